# SPDX-License-Identifier: MIT
"""The Python module (issue 11 item 6): import from the build tree, a
Simulator from presets and keys, replay, stats, histograms and violations
as dicts, the report as a string, events submitted as dicts with their
completions, rows a pandas DataFrame takes as they are (same keys, scalar
values), and a mirror that disagrees with the library failing loudly.
pandas is not needed."""
import ctypes
import json
import os
import unittest

import smmusim
from smmusim import _lib

TRACES = os.environ.get("SMMUSIM_TRACES", "traces")
PERM = os.path.join(TRACES, "scenarios", "perm-upgrade.trace")
SCALAR = (int, float, str, bool, type(None))


class TestSimulator(unittest.TestCase):
    def test_replay_stats_violations(self):
        sim = smmusim.Simulator(policy="linux-6.5",
                                set={"dev.fault_mode": "stall"})
        sim.replay(PERM)
        stats = sim.stats()
        self.assertGreater(stats["sim.events"], 0)
        self.assertEqual(stats["check.violations.fault-livelock"], 1)
        v = sim.violations()
        self.assertEqual(len(v), 1)
        self.assertEqual(v[0]["kind"], "fault-livelock")
        self.assertEqual(v[0]["agent_kind"], "device")
        self.assertIn("dev.access.latency", sim.histograms())
        self.assertEqual(sim.violation_total(), 1)
        self.assertEqual(sim.config("dev.fault_mode"), "stall")

    def test_report_strings(self):
        sim = smmusim.Simulator(policy="linux-6.6").replay(PERM)
        text = sim.report()
        self.assertIn("linux-6.6", text)
        res = sim.results()
        self.assertEqual(res["policy"], "linux-6.6")
        self.assertEqual(res["stats"], sim.stats())
        two = json.loads(smmusim.report([sim, smmusim.Simulator(
            policy="linux-6.5").replay(PERM)], "json"))
        self.assertEqual(len(two["runs"]), 2)

    def test_errors(self):
        with self.assertRaises(smmusim.SmmusimError) as e:
            smmusim.Simulator(policy="linux-9.9")
        self.assertIn("linux-9.9", str(e.exception))
        with self.assertRaises(smmusim.SmmusimError) as e:
            smmusim.Simulator(set={"cpu.count": 999})
        self.assertIn("cpu.count", str(e.exception))
        sim = smmusim.Simulator()
        with self.assertRaises(smmusim.SmmusimError) as e:
            sim.replay_text("smmusim-trace 1\nmm_create mm=1\nmmap mm=2 "
                            "va=0x1000 len=4K prot=r\n", name="t.trace")
        self.assertTrue(str(e.exception).startswith("t.trace:3:"))
        with self.assertRaises(ValueError):
            smmusim.make_event({"type": "mmap", "bogus": 1})
        with self.assertRaises(ValueError):
            smmusim.make_event({"type": "nothing"})

    def test_submit_and_completions(self):
        seen = []
        sim = smmusim.Simulator(policy="linux-6.6", on_complete=seen.append,
                                keep_completions=True)
        for i, ev in enumerate([
                {"type": "mm_create", "mm": 1},
                {"type": "mmap", "mm": 1, "va": 0x400000, "len": 0x10000,
                 "prot": "rw"},
                {"type": "touch", "mm": 1, "va": 0x400000, "len": 0x1000,
                 "op": "w"},
                {"type": "bind", "sid": 0x10, "ssid": 1, "mm": 1},
                {"type": "dev_access", "sid": 0x10, "ssid": 1,
                 "va": 0x400008, "op": "r"},
                {"type": "dev_access", "sid": 0x10, "ssid": 1,
                 "va": 0x400010, "op": "w", "after": 100},
                {"type": "dev_access", "sid": 0x10, "ssid": 1,
                 "va": 0x409000, "op": "r"}]):
            ev["cookie"] = 100 + i
            sim.submit(ev)
        with self.assertRaises(smmusim.SmmusimError):
            sim.submit({"type": "mm_create", "mm": 1, "cookie": 999})
        sim.finish()
        self.assertEqual(seen, sim.completions)
        by = {c["cookie"]: c for c in seen}
        self.assertEqual(sorted(by), list(range(100, 107)))
        self.assertEqual(by[104]["answer"], "walk")
        self.assertEqual(by[104]["status"], "ok")
        self.assertEqual(by[104]["pa"] & 0xfff, 8)
        self.assertIn(by[105]["answer"], ("smmu.iotlb", "smmu.utlb"))
        self.assertEqual(by[106]["status"], "fault")
        self.assertGreaterEqual(by[105]["start"], by[104]["finish"] + 100)
        self.assertTrue(all(c["latency"] == c["finish"] - c["start"]
                            for c in seen))
        self.assert_rows(seen)

    def assert_rows(self, rows):
        """What pandas.DataFrame(rows) takes as it is: dicts with the same
        keys in the same order, scalar values."""
        self.assertIsInstance(rows, list)
        self.assertTrue(rows)
        keys = list(rows[0])
        for r in rows:
            self.assertIsInstance(r, dict)
            self.assertEqual(list(r), keys)
            for k, v in r.items():
                self.assertIsInstance(k, str)
                self.assertIsInstance(v, SCALAR, k)

    def test_rows(self):
        rows = smmusim.sweep([PERM], policies=["linux-6.5", "linux-6.6"],
                             grid={"dev.fault_mode": ["pri", "stall"]},
                             stats=["dev.access.ok", "sim.cycles",
                                    "dev.access.latency.p99"])
        self.assertEqual(len(rows), 4)
        self.assert_rows(rows)
        self.assertEqual([(r["policy"], r["dev.fault_mode"]) for r in rows],
                         [("linux-6.5", "pri"), ("linux-6.5", "stall"),
                          ("linux-6.6", "pri"), ("linux-6.6", "stall")])
        self.assertEqual(rows[3]["dev.access.ok"], 2)
        full = smmusim.run(PERM, policy="linux-6.6", label="x")
        self.assert_rows([full])
        self.assertEqual(full["label"], "x")
        self.assertIn("smmu.cmd.sync", full)
        self.assert_rows(smmusim.stat_defs())
        self.assertEqual(smmusim.grid_points({}), [{}])
        with self.assertRaises(KeyError):
            smmusim.run(PERM, stats=["no.such.stat"])


class TestAbi(unittest.TestCase):
    def test_versions(self):
        self.assertEqual(smmusim.version, smmusim._clib.smmusim_version()
                         .decode())
        self.assertEqual(smmusim._clib.smmusim_abi_version(),
                         smmusim.ABI_VERSION)

    def test_mismatched_mirror_fails_loudly(self):
        class OldEvent(ctypes.Structure):  # 0.1.0's: no cookie
            _fields_ = _lib.Event._fields_[:-1]
        with self.assertRaises(smmusim.AbiMismatch) as e:
            _lib.check_abi(smmusim._clib, {"smmusim_event": OldEvent})
        self.assertIn("struct smmusim_event", str(e.exception))
        with self.assertRaises(smmusim.AbiMismatch):
            _lib.check_abi(smmusim._clib, abi=smmusim.ABI_VERSION + 1)
        _lib.check_abi(smmusim._clib)


if __name__ == "__main__":
    unittest.main(verbosity=1)
