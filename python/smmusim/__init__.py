# SPDX-License-Identifier: MIT
"""smmusim: the Arm SMMUv3 / CPU TLB / Linux invalidation simulator
(libsmmusim) from Python, through ctypes: no compiled extension.

    import smmusim
    sim = smmusim.Simulator(policy="linux-6.5",
                            set={"dev.fault_mode": "stall"})
    sim.replay("traces/scenarios/perm-upgrade.trace")
    sim.stats()["dev.access.ok"], sim.violations()[0]["kind"]
    print(sim.report())

Rows for pandas: smmusim.run(), smmusim.sweep(), smmusim.stat_defs(),
smmusim.read_rows().  Co-simulation: Simulator(on_complete=fn) and
Simulator.submit({...}) (docs/api.md, "Python" and "Co-simulation").
"""
from ._lib import ABI_VERSION, AbiMismatch
from .rows import grid_points, read_rows, run, stat_defs, sweep
from .simulator import (EVENT_TYPES, NO_SSID, Simulator, SmmusimError,
                        make_event, report, lib as _clib)

__version__ = _clib.smmusim_version().decode()
version = __version__

__all__ = ["ABI_VERSION", "AbiMismatch", "EVENT_TYPES", "NO_SSID",
           "Simulator", "SmmusimError", "grid_points", "make_event",
           "read_rows", "report", "run", "stat_defs", "sweep", "version"]
