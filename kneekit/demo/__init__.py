"""The demo clinic: invented runners with twelve weeks of records and two routine trials, made by
playing routines through the session engine, so a new user sees every page with data in it."""

from kneekit.demo.clinic import RUNNERS, make_demo
from kneekit.demo.trials import DEMO_TRIALS, demo_trials

__all__ = ["DEMO_TRIALS", "RUNNERS", "demo_trials", "make_demo"]
