"""How much memory a whole clinic on JupyterHub needs: the resident memory (RSS) of each part,
measured on a running stack, and a sum for N physios and M runners at once.

The parts are measured by the hub integration test (tests/browser/test_hub_stack.py), which
prints the table and saves it with the test artefacts; the README's Performance section quotes
it. The sum is deliberately simple: every part is a separate process, so memory adds up.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import psutil

MIB = 2**20

PARTS = {
    "hub": "JupyterHub itself",
    "proxy": "configurable-http-proxy (node)",
    "culler": "jupyterhub-idle-culler",
    "clients": "kneekit-clients service (Voilà, no kernel)",
    "server": "one physio's server (jupyterhub-singleuser, Voilà)",
    "clinic_kernel": "one clinic page's kernel (overview with trends)",
    "client_kernel": "one client page's kernel (player)",
}
"""What is measured, in the words of the table."""


def rss_mib(processes: Iterable[psutil.Process]) -> float:
    """Resident memory of ``processes`` together, in MiB (ended ones count nothing)."""
    total = 0
    for proc in processes:
        try:
            total += proc.memory_info().rss
        except psutil.NoSuchProcess:
            continue
    return total / MIB


@dataclass(frozen=True)
class Sizing:
    """Measured RSS of each part, in MiB (keys as in :data:`PARTS`)."""

    parts: dict[str, float]

    @property
    def fixed(self) -> float:
        """What the clinic needs with nobody logged in: hub, proxy, culler, client service."""
        return sum(self.parts[k] for k in ("hub", "proxy", "culler", "clients"))

    @property
    def per_physio(self) -> float:
        """One physio logged in with the clinic overview open: their server and one kernel."""
        return self.parts["server"] + self.parts["clinic_kernel"]

    def need_mib(self, physios: int, clients: int, pages_each: int = 1) -> float:
        """Memory for ``physios`` logged in (``pages_each`` clinic pages open apiece) and
        ``clients`` client pages open at once."""
        return (
            self.fixed
            + physios * (self.parts["server"] + pages_each * self.parts["clinic_kernel"])
            + clients * self.parts["client_kernel"]
        )

    def table(self, examples: Iterable[tuple[int, int]] = ((1, 5), (5, 20), (10, 50))) -> str:
        """The sizing table in Markdown: each part, then the sum for a few clinic sizes."""
        lines = ["| Part | RSS (MiB) |", "|---|---:|"]
        lines += [f"| {PARTS[k]} | {v:.0f} |" for k, v in self.parts.items()]
        lines += [
            "",
            f"Need ≈ {self.fixed:.0f} + N x {self.per_physio:.0f} + "
            f"M x {self.parts['client_kernel']:.0f} MiB "
            "(N physios with one page open, M client pages open at once; add "
            f"{self.parts['clinic_kernel']:.0f} MiB per further page a physio opens).",
            "",
            "| Physios (N) | Clients at once (M) | Memory (MiB) |",
            "|---:|---:|---:|",
        ]
        lines += [f"| {n} | {m} | {self.need_mib(n, m):.0f} |" for n, m in examples]
        return "\n".join(lines)
