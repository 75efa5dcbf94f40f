"""kneekit: a coaching kit for physiotherapists guiding runners through post-run knee stretches.

kneekit advises the physio; it does not diagnose, and it makes no promise that stretching relieves
soreness (for runners' knee pain, strengthening comes first and stretching is an adjunct).
"""

__version__ = "0.1.0"
