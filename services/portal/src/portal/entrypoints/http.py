"""The portal's HTTP routes (each sign-in way and the token endpoints add their own router)."""

from fastapi import APIRouter

router = APIRouter()
