# SPDX-License-Identifier: MIT
"""libsmmusim through ctypes: finding the library, the mirrors of its public
structs, and the ABI check that makes a stale mirror fail at import.

The mirrors below copy include/smmusim/event.h, cosim.h, hooks.h and stats.h
field by field.  When the C structs change, SMMUSIM_ABI_VERSION is bumped
(include/smmusim/cosim.h); at load the library's smmusim_abi_version() and
smmusim_struct_size() of every mirrored struct must equal this file's, or
the import fails with both numbers, never a silently shifted field.

Which library: $SMMUSIM_LIB if set (a path), else the one this package was
configured with by meson (_config.LIBRARY: the build tree's, or the
installed one), else the system's (ctypes.util.find_library).
"""
import ctypes
import ctypes.util
import os

ABI_VERSION = 2

c_u32 = ctypes.c_uint32
c_u64 = ctypes.c_uint64
c_enum = ctypes.c_int
c_uint = ctypes.c_uint


class Event(ctypes.Structure):
    """struct smmusim_event (include/smmusim/event.h)."""
    _fields_ = [
        ("type", c_enum), ("timing", c_enum), ("time", c_u64),
        ("line", c_u32), ("column", c_u32),
        ("mm", c_u32), ("cpu", c_u32), ("sid", c_u32), ("ssid", c_u32),
        ("va", c_u64), ("len", c_u64),
        ("prot", c_uint), ("map", c_enum), ("op", c_enum),
        ("pri", ctypes.c_bool),
        ("advice", c_enum), ("tlbi", c_enum), ("asid", c_u32),
        ("ttl", c_uint), ("tg", c_uint), ("scale", c_uint), ("num", c_uint),
        ("dom", c_u32), ("pa", c_u64), ("cmds", ctypes.c_bool),
        ("opcode", c_uint), ("vmid", c_u32), ("leaf", c_uint),
        ("range", c_uint),
        ("stage", c_uint), ("nested", ctypes.c_bool), ("parent", c_u32),
        ("cookie", c_u64),
    ]


class Completion(ctypes.Structure):
    """struct smmusim_completion (include/smmusim/cosim.h)."""
    _fields_ = [
        ("size", c_u32), ("type", c_enum), ("cookie", c_u64),
        ("seq", c_u64), ("line", c_u32), ("status", c_enum),
        ("error", ctypes.c_int), ("faults", c_u32), ("start", c_u64),
        ("finish", c_u64), ("va", c_u64), ("pa", c_u64), ("answer", c_enum),
    ]


class Violation(ctypes.Structure):
    """struct smmusim_violation (include/smmusim/hooks.h)."""
    _fields_ = [
        ("kind", c_enum), ("line", c_u32), ("cycle", c_u64),
        ("agent_kind", c_enum), ("agent", ctypes.c_char * 48),
        ("cpu", c_u32), ("sid", c_u32), ("ssid", c_u32),
        ("cache", ctypes.c_char * 24), ("va", c_u64), ("write", ctypes.c_int),
        ("asid", c_u32), ("entry_pa", c_u64), ("entry_perm", c_uint),
        ("entry_page", ctypes.c_char * 12), ("truth_valid", ctypes.c_int),
        ("truth_pa", c_u64), ("truth_perm", c_uint), ("faults", c_u32),
    ]


class HistSummary(ctypes.Structure):
    """struct smmusim_hist_summary (include/smmusim/stats.h)."""
    _fields_ = [(n, c_u64) for n in
                ("count", "sum", "min", "max", "p50", "p90", "p99")]


class StatDef(ctypes.Structure):
    """struct smmusim_stat_def (include/smmusim/stats.h)."""
    _fields_ = [("name", ctypes.c_char_p), ("kind", c_enum),
                ("unit", ctypes.c_char_p), ("sample", ctypes.c_char_p),
                ("description", ctypes.c_char_p)]


MIRRORS = {
    "smmusim_event": Event,
    "smmusim_completion": Completion,
    "smmusim_violation": Violation,
    "smmusim_hist_summary": HistSummary,
    "smmusim_stat_def": StatDef,
}

COMPLETION_FN = ctypes.CFUNCTYPE(None, ctypes.c_void_p,
                                 ctypes.POINTER(Completion))
VIOLATION_FN = ctypes.CFUNCTYPE(None, ctypes.c_void_p,
                                ctypes.POINTER(Violation))


class AbiMismatch(ImportError):
    """The library and this binding disagree on a struct: refuse to run."""


def check_abi(lib, mirrors=None, abi=ABI_VERSION):
    """Raise AbiMismatch unless lib's ABI version and struct sizes are the
    mirrors'.  (A parameter so that the test can hand it a wrong mirror.)"""
    mirrors = MIRRORS if mirrors is None else mirrors
    name = getattr(lib, "_name", "libsmmusim")
    try:
        lib_abi = lib.smmusim_abi_version()
    except AttributeError:
        raise AbiMismatch(
            f"{name} has no smmusim_abi_version(): a library older than "
            f"this binding (ABI {abi}); rebuild or point SMMUSIM_LIB at "
            f"a matching libsmmusim") from None
    if lib_abi != abi:
        raise AbiMismatch(f"{name} has ABI version {lib_abi}, this binding "
                          f"was written for {abi}")
    for cname, mirror in mirrors.items():
        size = lib.smmusim_struct_size(cname.encode())
        if size != ctypes.sizeof(mirror):
            raise AbiMismatch(
                f"struct {cname} is {size} bytes in {name} but "
                f"{ctypes.sizeof(mirror)} in this binding's mirror "
                f"(smmusim/_lib.py): they must be rebuilt together")


def _library_path():
    env = os.environ.get("SMMUSIM_LIB")
    if env:
        return env
    try:
        from . import _config
        if os.path.exists(_config.LIBRARY):
            return _config.LIBRARY
    except ImportError:
        pass
    found = ctypes.util.find_library("smmusim")
    if not found:
        raise ImportError("libsmmusim not found: set SMMUSIM_LIB to the "
                          "path of libsmmusim.so")
    return found


P = ctypes.c_void_p
SZ = ctypes.c_size_t
STR = ctypes.c_char_p
INT = ctypes.c_int

# name: (restype, argtypes)
PROTOTYPES = {
    "smmusim_version": (STR, []),
    "smmusim_abi_version": (c_uint, []),
    "smmusim_struct_size": (SZ, [STR]),
    "smmusim_strerror": (STR, [INT]),
    "smmusim_errname": (STR, [INT]),
    "smmusim_config_new": (INT, [ctypes.POINTER(P), P]),
    "smmusim_config_free": (None, [P]),
    "smmusim_config_set_assignment": (INT, [P, STR]),
    "smmusim_config_set": (INT, [P, STR, STR]),
    "smmusim_config_get": (INT, [P, STR, ctypes.c_char_p, SZ]),
    "smmusim_config_error": (STR, [P]),
    "smmusim_config_load_file": (INT, [P, STR]),
    "smmusim_config_apply_preset": (INT, [P, STR, STR]),
    "smmusim_new_ex": (INT, [ctypes.POINTER(P), P, P, ctypes.c_char_p, SZ]),
    "smmusim_free": (None, [P]),
    "smmusim_set_labels": (INT, [P, STR, STR]),
    "smmusim_last_error": (STR, [P]),
    "smmusim_submit": (INT, [P, ctypes.POINTER(Event)]),
    "smmusim_set_next_start": (None, [P, c_u64]),
    "smmusim_run_until": (INT, [P, c_u64]),
    "smmusim_finish": (INT, [P]),
    "smmusim_replay_file": (INT, [P, STR]),
    "smmusim_replay_buffer": (INT, [P, STR, ctypes.c_char_p, SZ]),
    "smmusim_now": (c_u64, [P]),
    "smmusim_config": (P, [P]),
    "smmusim_event_name": (STR, [c_enum]),
    "smmusim_tlbi_name": (STR, [c_enum]),
    "smmusim_stat_count": (SZ, [P]),
    "smmusim_stat_at": (INT, [P, SZ, ctypes.POINTER(STR),
                              ctypes.POINTER(c_u64)]),
    "smmusim_hist_count": (SZ, [P]),
    "smmusim_hist_at": (INT, [P, SZ, ctypes.POINTER(STR),
                              ctypes.POINTER(HistSummary)]),
    "smmusim_stat_def_count": (SZ, []),
    "smmusim_stat_def_at": (ctypes.POINTER(StatDef), [SZ]),
    "smmusim_stat_kind_name": (STR, [c_enum]),
    "smmusim_violation_name": (STR, [c_enum]),
    "smmusim_violation_total": (c_u64, [P]),
    "smmusim_violation_count": (SZ, [P]),
    "smmusim_violation_at": (ctypes.POINTER(Violation), [P, SZ]),
    "smmusim_set_completion_hook": (INT, [P, COMPLETION_FN, P]),
    "smmusim_status_name": (STR, [c_enum]),
    "smmusim_answer_name": (STR, [c_enum]),
    "smmusim_write_report_buffer": (INT, [ctypes.c_char_p, SZ,
                                          ctypes.POINTER(SZ),
                                          ctypes.POINTER(P), SZ, c_enum]),
    "smmusim_preset_count": (SZ, [STR]),
    "smmusim_preset_info": (INT, [STR, SZ, ctypes.POINTER(STR),
                                  ctypes.POINTER(STR), P,
                                  ctypes.POINTER(SZ)]),
}


def load(path=None):
    """Open libsmmusim, declare its functions, check its ABI."""
    path = path or _library_path()
    try:
        lib = ctypes.CDLL(path)
    except OSError as e:
        raise ImportError(f"cannot load libsmmusim from {path}: {e}") from e
    for fname in ("smmusim_abi_version", "smmusim_struct_size"):
        if hasattr(lib, fname):
            rt, args = PROTOTYPES[fname]
            getattr(lib, fname).restype = rt
            getattr(lib, fname).argtypes = args
    check_abi(lib)
    for fname, (rt, args) in PROTOTYPES.items():
        f = getattr(lib, fname)
        f.restype = rt
        f.argtypes = args
    return lib
