# SPDX-License-Identifier: MIT
"""The Simulator class: one libsmmusim simulator (smmusim_t) from Python.

    sim = Simulator(policy="linux-6.6", hw="qemu-7.2", set={"smmu.btm": "on"})
    sim.replay("traces/scenarios/perm-upgrade.trace")
    sim.stats()["smmu.cmd.sync"], sim.violations(), sim.report("text")

or event by event, as a co-simulation drives it (docs/api.md,
"Co-simulation"):

    sim = Simulator(policy="linux-6.6", on_complete=print)
    sim.submit({"type": "mm_create", "mm": 1})
    sim.submit({"type": "dev_access", "sid": 0x10, "ssid": 1,
                "va": 0x400000, "op": "r", "cookie": 7})
    sim.finish()

An event is a dict of struct smmusim_event's fields (docs/api.md, Events);
enumerated fields also take their trace words (type "mmap", op "r"/"w"/"x",
prot "rw", map "shared", advice "dontneed", tlbi "vale1is"), and "at": N
is an "@N" time stamp, "after": N a "+N" one.  Two defaults follow the
trace format rather than the zeroed struct: bind has pri on unless it says
"pri": False, and a dev_access without "ssid" has no substream.
"""
import ctypes
import json

from . import _lib

lib = _lib.load()

NO_SSID = 0xFFFFFFFF
FORMATS = {"text": 0, "json": 1}
TIMING_AFTER_PREV, TIMING_AT = 0, 1
ERANGE = -3  # SMMUSIM_ERANGE (include/smmusim/error.h)


class SmmusimError(Exception):
    """A failed libsmmusim call: .code is the SMMUSIM_E* code, the message
    the library's (FILE:LINE:COLUMN: ... for a trace)."""

    def __init__(self, code, message):
        name = lib.smmusim_errname(code).decode()
        super().__init__(f"{message} ({name})" if message else name)
        self.code = code
        self.name = name


def _names(fn):
    out, i = {}, 0
    while True:
        n = fn(i)
        if n is None:
            return out
        out[n.decode()] = i
        i += 1


EVENT_TYPES = _names(lib.smmusim_event_name)
TLBI_OPS = _names(lib.smmusim_tlbi_name)
ACCESS = {"r": 0, "read": 0, "w": 1, "write": 1, "x": 2, "exec": 2}
MAPS = {"private": 0, "shared": 1}
ADVICE = {"dontneed": 0}
PROT_BITS = {"r": 1, "w": 2, "x": 4}


def _word(table, field, value):
    if isinstance(value, str):
        try:
            return table[value]
        except KeyError:
            raise ValueError(f"event field {field}: '{value}' is not one of "
                             f"{'|'.join(table)}") from None
    return int(value)


def _prot(value):
    if isinstance(value, str):
        if value == "none":
            return 0
        bits = 0
        for c in value:
            if c not in PROT_BITS:
                raise ValueError(f"event field prot: '{value}' is not "
                                 f"none or a combination of r, w, x")
            bits |= PROT_BITS[c]
        return bits
    return int(value)


CONVERT = {
    "type": lambda v: _word(EVENT_TYPES, "type", v),
    "op": lambda v: _word(ACCESS, "op", v),
    "map": lambda v: _word(MAPS, "map", v),
    "advice": lambda v: _word(ADVICE, "advice", v),
    "tlbi": lambda v: _word(TLBI_OPS, "tlbi", v),
    "prot": _prot,
}
FIELDS = {name for name, _ in _lib.Event._fields_}


def make_event(ev):
    """struct smmusim_event from a dict (see the module's docstring)."""
    if "type" not in ev:
        raise ValueError("event without 'type'")
    e = _lib.Event()
    kind = CONVERT["type"](ev["type"])
    if kind == EVENT_TYPES.get("bind"):
        e.pri = True
    if kind == EVENT_TYPES.get("dev_access"):
        e.ssid = NO_SSID
    for key, value in ev.items():
        if key == "at":
            e.timing, e.time = TIMING_AT, int(value)
        elif key == "after":
            e.timing, e.time = TIMING_AFTER_PREV, int(value)
        elif key in FIELDS:
            setattr(e, key, CONVERT.get(key, int)(value))
        else:
            raise ValueError(f"event field '{key}' is not a field of "
                             f"struct smmusim_event")
    return e


def completion_dict(c):
    """A struct smmusim_completion as a flat dict (one DataFrame row)."""
    t = lib.smmusim_event_name(c.type)
    return {
        "seq": c.seq, "cookie": c.cookie, "type": t.decode() if t else "?",
        "line": c.line, "status": lib.smmusim_status_name(c.status).decode(),
        "error": lib.smmusim_errname(c.error).decode() if c.error else "",
        "start": c.start, "finish": c.finish,
        "latency": c.finish - c.start, "faults": c.faults, "va": c.va,
        "pa": c.pa, "answer": lib.smmusim_answer_name(c.answer).decode(),
    }


def violation_dict(v):
    """A struct smmusim_violation as a flat dict."""
    d = {name: getattr(v, name) for name, _ in _lib.Violation._fields_}
    d["kind"] = lib.smmusim_violation_name(v.kind).decode()
    d["agent_kind"] = "cpu" if v.agent_kind == 0 else "device"
    for name in ("agent", "cache", "entry_page"):
        d[name] = d[name].decode()
    return d


def _config(policy, hw, config_files, settings):
    cfg = ctypes.c_void_p()
    rc = lib.smmusim_config_new(ctypes.byref(cfg), None)
    if rc < 0:
        raise SmmusimError(rc, "smmusim_config_new")

    def check(rc):
        if rc < 0:
            msg = lib.smmusim_config_error(cfg).decode()
            lib.smmusim_config_free(cfg)
            raise SmmusimError(rc, msg)

    # The command line's layers, in its order (docs/api.md, "Which
    # setting wins"): hw presets, the policy, files, single keys.
    for name in ([hw] if isinstance(hw, str) else (hw or [])):
        check(lib.smmusim_config_apply_preset(cfg, b"hw", name.encode()))
    if policy:
        check(lib.smmusim_config_apply_preset(cfg, b"policy",
                                              policy.encode()))
    for path in config_files or []:
        check(lib.smmusim_config_load_file(cfg, str(path).encode()))
    items = settings.items() if isinstance(settings, dict) else \
        (kv.split("=", 1) for kv in (settings or []))
    for key, value in items:
        if isinstance(value, bool):
            value = "on" if value else "off"
        check(lib.smmusim_config_set(cfg, str(key).encode(),
                                     str(value).encode()))
    return cfg


class Simulator:
    """One simulator.  policy and hw name presets (`smmusim policies`);
    config_files are 'key = value' files; set is a dict {key: value} or a
    list of "key=value".  on_complete(dict) is called for every accepted
    event when it finishes (the dict of completion_dict()); keep=True keeps
    those dicts in .completions instead or as well."""

    def __init__(self, policy=None, hw=None, config_files=None, set=None,
                 on_complete=None, keep_completions=False, label=None):
        self._sim = None
        cfg = _config(policy, hw, config_files, set)
        sim = ctypes.c_void_p()
        err = ctypes.create_string_buffer(512)
        rc = lib.smmusim_new_ex(ctypes.byref(sim), cfg, None, err,
                                len(err))
        lib.smmusim_config_free(cfg)
        if rc < 0:
            raise SmmusimError(rc, err.value.decode())
        self._sim = sim
        self.policy = policy
        self.completions = [] if keep_completions else None
        self._user_hook = on_complete
        self._hook = None
        if on_complete or keep_completions:
            self._hook = _lib.COMPLETION_FN(self._on_complete)
            lib.smmusim_set_completion_hook(sim, self._hook, None)
        if policy or label:
            self.set_labels(policy=label or policy)

    def _on_complete(self, _ctx, c):
        d = completion_dict(c.contents)
        if self.completions is not None:
            self.completions.append(d)
        if self._user_hook:
            self._user_hook(d)

    def _check(self, rc):
        if rc < 0:
            raise SmmusimError(rc, lib.smmusim_last_error(self._sim).decode())
        return rc

    def close(self):
        if self._sim:
            lib.smmusim_free(self._sim)
            self._sim = None

    def __del__(self):
        self.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def set_labels(self, policy=None, trace=None):
        enc = (lambda s: s.encode() if s is not None else None)
        self._check(lib.smmusim_set_labels(self._sim, enc(policy),
                                           enc(trace)))

    # ---- running ----

    def submit(self, event, next_start=None):
        """Submit one event (a dict, or an smmusim._lib.Event).  next_start:
        the earliest cycle of the event after it (smmusim_set_next_start;
        "after" for one that waits for this one's end)."""
        e = event if isinstance(event, _lib.Event) else make_event(event)
        if next_start is not None:
            lib.smmusim_set_next_start(
                self._sim, 2**64 - 1 if next_start == "after" else
                int(next_start))
        self._check(lib.smmusim_submit(self._sim, ctypes.byref(e)))

    def run_until(self, cycle):
        self._check(lib.smmusim_run_until(self._sim, int(cycle)))

    def finish(self):
        self._check(lib.smmusim_finish(self._sim))

    def replay(self, path):
        """Replay a trace file (plain, xz, gzip, zstd; "-" is stdin), then
        finish."""
        self._check(lib.smmusim_replay_file(self._sim, str(path).encode()))
        return self

    def replay_text(self, text, name="<python>"):
        """Replay a trace given as a string, then finish."""
        data = text.encode()
        self._check(lib.smmusim_replay_buffer(self._sim, name.encode(), data,
                                              len(data)))
        return self

    @property
    def now(self):
        return lib.smmusim_now(self._sim)

    def config(self, key):
        """The effective value of a config key, as text."""
        buf = ctypes.create_string_buffer(64)
        rc = lib.smmusim_config_get(lib.smmusim_config(self._sim),
                                    key.encode(), buf, len(buf))
        if rc < 0:
            raise SmmusimError(rc, f"config key '{key}'")
        return buf.value.decode()

    # ---- results ----

    def stats(self):
        """Every counter: {name: value}, in name order."""
        out = {}
        name, value = ctypes.c_char_p(), ctypes.c_uint64()
        for i in range(lib.smmusim_stat_count(self._sim)):
            lib.smmusim_stat_at(self._sim, i, ctypes.byref(name),
                                ctypes.byref(value))
            out[name.value.decode()] = value.value
        return out

    def histograms(self):
        """Every histogram: {name: {count, sum, min, max, p50, p90, p99}}."""
        out = {}
        name, h = ctypes.c_char_p(), _lib.HistSummary()
        for i in range(lib.smmusim_hist_count(self._sim)):
            lib.smmusim_hist_at(self._sim, i, ctypes.byref(name),
                                ctypes.byref(h))
            out[name.value.decode()] = {f: getattr(h, f)
                                        for f, _ in h._fields_}
        return out

    def violations(self):
        """The kept violation reports (the first 1000), as dicts."""
        n = lib.smmusim_violation_count(self._sim)
        return [violation_dict(lib.smmusim_violation_at(self._sim, i)
                               .contents) for i in range(n)]

    def violation_total(self):
        return lib.smmusim_violation_total(self._sim)

    def report(self, format="text"):
        """The report smmusim_write_report() writes, as a string."""
        return report([self], format)

    def results(self):
        """This run's object of the JSON report (docs/stats.md)."""
        return json.loads(self.report("json"))["runs"][0]

    def row(self, **labels):
        """One flat dict for a table: labels, policy, every counter, each
        histogram's fields as NAME.FIELD, and the violation total."""
        r = dict(labels)
        r.setdefault("policy", self.policy or "default")
        r.update(self.stats())
        for name, h in self.histograms().items():
            for field, value in h.items():
                r[f"{name}.{field}"] = value
        r["violations"] = self.violation_total()
        return r


def report(sims, format="text"):
    """One report of several finished simulators (columns side by side in
    text; {"runs": [...]} in JSON), as smmusim_write_report_buffer()
    writes it."""
    if format not in FORMATS:
        raise ValueError(f"format '{format}' is not one of text|json")
    runs = (ctypes.c_void_p * len(sims))(*[s._sim for s in sims])
    need = ctypes.c_size_t()
    rc = lib.smmusim_write_report_buffer(None, 0, ctypes.byref(need), runs,
                                         len(sims), FORMATS[format])
    if rc < 0 and rc != ERANGE:  # sized: now write it
        raise SmmusimError(rc, "smmusim_write_report_buffer")
    buf = ctypes.create_string_buffer(need.value + 1)
    rc = lib.smmusim_write_report_buffer(buf, len(buf), ctypes.byref(need),
                                         runs, len(sims), FORMATS[format])
    if rc < 0:
        raise SmmusimError(rc, "smmusim_write_report_buffer")
    return buf.value.decode()
