"""Named fault points: places where a test kills the process to prove that what was written
before survives and that a re-run repairs the rest.

``PLPRED_FAULT=<name>`` in the environment makes :func:`fault_point` ``name`` kill its own
process with SIGKILL, as a crash or ``kill -9`` would: no ``finally``, no ``atexit``, no
rollback but the database's own. Unset (always, outside tests) it does nothing.

Points: ``train:before-alias`` (``plpred train`` has written the training run to the warehouse
and registered the model, and has not moved the registry alias yet).
"""

from __future__ import annotations

import os
import signal

FAULT_ENV = "PLPRED_FAULT"


def fault_point(name: str) -> None:
    """Kill this process with SIGKILL when ``$PLPRED_FAULT`` names this point."""
    if os.environ.get(FAULT_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)
