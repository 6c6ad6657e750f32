"""The mixed-fault soak: a steady workload, a seeded fault schedule, and a checker that sees what outsiders see."""
