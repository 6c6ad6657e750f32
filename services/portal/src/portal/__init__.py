"""The portal: who people are (sign-in, sessions, accounts), the tokens the other services verify, and the web app."""
