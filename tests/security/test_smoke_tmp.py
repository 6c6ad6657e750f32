from sec_data import book, register_member, offer_for, inbox
from sec_system import System
import time

async def test_smoke(system: System) -> None:
    t = time.monotonic()
    m = await register_member(system)
    v = await book(system, __import__("sec_data").random_orgnr())
    o = await offer_for(system, m["id"], v["id"])
    print("offer", o, time.monotonic() - t)
    print(len(system.logs.lines()), system.logs.lines()[:3])
