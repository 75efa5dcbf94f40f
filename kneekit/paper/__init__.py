"""What kneekit prints: the progress report, the client's handout and the trial report, all A4
PDFs made through one helper (:mod:`kneekit.paper.pdf`)."""

from kneekit.paper.handout import write_handout
from kneekit.paper.report import write_report
from kneekit.paper.trial import write_trial_report

__all__ = ["write_handout", "write_report", "write_trial_report"]
