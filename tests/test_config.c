/* SPDX-License-Identifier: MIT */
/* Tests for the config registry (src/engine/config.c): key table, typed
 * setters and their error messages, presets, copying, config files
 * (config_file.c) and layers (src/sim/config_layers.c), and
 * smmusim_new_ex's validation. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <smmusim/config.h>
#include <smmusim/error.h>
#include <smmusim/smmusim.h>

#include "helpers.h"

#include "engine/config.h"
#include "engine/config_keys.h"

static int setup_cfg(void **state)
{
	smmusim_config_t *cfg = NULL;
	if (smmusim_config_new(&cfg, NULL) != 0)
		return -1;
	*state = cfg;
	return 0;
}

static int teardown_cfg(void **state)
{
	smmusim_config_free(*state);
	return 0;
}

static void assert_get(const smmusim_config_t *cfg, const char *key,
		       const char *want)
{
	char buf[64];
	assert_int_equal(smmusim_config_get(cfg, key, buf, sizeof(buf)), 0);
	assert_string_equal(buf, want);
}

static void assert_err_has(const smmusim_config_t *cfg, const char *needle)
{
	const char *msg = smmusim_config_error(cfg);
	assert_non_null(msg);
	if (!strstr(msg, needle))
		fail_msg("error message '%s' does not contain '%s'", msg,
			 needle);
}

/* ---- the key table ---- */

static void test_key_table_complete(void **state)
{
	(void)state;
	size_t n = smmusim_config_key_count();
	assert_int_equal(n, SM_K_COUNT_);
	assert_true(n > 10);

	for (size_t i = 0; i < n; i++) {
		struct smmusim_key_info ki;
		memset(&ki, 0xa5, sizeof(ki));
		assert_int_equal(smmusim_config_key_info(i, &ki), 0);
		assert_non_null(ki.name);
		assert_true(strlen(ki.name) > 0);
		assert_null(strchr(ki.name, '='));
		assert_null(strchr(ki.name, ' '));
		assert_non_null(ki.description);
		assert_true(strlen(ki.description) > 10);
		assert_true(memchr(ki.def, '\0', sizeof(ki.def)) != NULL);
		assert_true(strlen(ki.def) > 0);
		assert_true(memchr(ki.allowed, '\0', sizeof(ki.allowed)) !=
			    NULL);
		assert_true(strlen(ki.allowed) > 0);
		assert_non_null(ki.type_name);
		assert_string_equal(ki.name,
				    sm_cfg_key_name((enum sm_key_id)i));
		switch (ki.type) {
		case SMMUSIM_KEY_BOOL:
			assert_string_equal(ki.type_name, "bool");
			assert_string_equal(ki.allowed, "on|off");
			assert_true(strcmp(ki.def, "on") == 0 ||
				    strcmp(ki.def, "off") == 0);
			break;
		case SMMUSIM_KEY_U64:
			assert_string_equal(ki.type_name, "u64");
			assert_non_null(strstr(ki.allowed, ".."));
			break;
		case SMMUSIM_KEY_ENUM:
			assert_string_equal(ki.type_name, "enum");
			assert_non_null(strchr(ki.allowed, '|'));
			/* The default is one of the allowed words. */
			assert_non_null(strstr(ki.allowed, ki.def));
			break;
		default:
			fail_msg("key %s: bad type %d", ki.name, (int)ki.type);
		}
		/* Names are unique. */
		for (size_t j = 0; j < i; j++) {
			struct smmusim_key_info kj;
			assert_int_equal(smmusim_config_key_info(j, &kj), 0);
			assert_string_not_equal(ki.name, kj.name);
		}
	}

	struct smmusim_key_info ki;
	assert_int_equal(smmusim_config_key_info(n, &ki), SMMUSIM_EINVAL);
	assert_int_equal(smmusim_config_key_info(0, NULL), SMMUSIM_EINVAL);
}

static void test_key_info_examples(void **state)
{
	(void)state;
	struct smmusim_key_info ki;
	assert_int_equal(smmusim_config_key_info(SM_K_CPU_COUNT, &ki), 0);
	assert_string_equal(ki.name, "cpu.count");
	assert_int_equal(ki.type, SMMUSIM_KEY_U64);
	assert_string_equal(ki.def, "4");
	assert_string_equal(ki.allowed, "1..256");

	assert_int_equal(
	    smmusim_config_key_info(SM_K_POLICY_NOTIFIER_PLACEMENT, &ki), 0);
	assert_string_equal(ki.name, "policy.notifier.placement");
	assert_int_equal(ki.type, SMMUSIM_KEY_ENUM);
	assert_string_equal(ki.def, "arch_flush");
	assert_string_equal(ki.allowed, "range_end|arch_flush");

	assert_int_equal(smmusim_config_key_info(SM_K_SIM_SEED, &ki), 0);
	assert_string_equal(ki.allowed, "0..18446744073709551615");

	assert_int_equal(smmusim_config_key_info(SM_K_SMMU_BTM, &ki), 0);
	assert_int_equal(ki.type, SMMUSIM_KEY_BOOL);
	assert_string_equal(ki.def, "off");
}

static void test_defaults_read_back(void **state)
{
	smmusim_config_t *cfg = *state;
	for (size_t i = 0; i < smmusim_config_key_count(); i++) {
		struct smmusim_key_info ki;
		char buf[64];
		assert_int_equal(smmusim_config_key_info(i, &ki), 0);
		assert_int_equal(
		    smmusim_config_get(cfg, ki.name, buf, sizeof(buf)), 0);
		assert_string_equal(buf, ki.def);
		/* sm_cfg_format agrees with the public getter. */
		char buf2[64];
		sm_cfg_format(cfg, (enum sm_key_id)i, buf2, sizeof(buf2));
		assert_string_equal(buf, buf2);
	}
	/* Typed access to a few defaults. */
	assert_int_equal(sm_cfg_u64(cfg, SM_K_CPU_COUNT), 4);
	assert_int_equal(sm_cfg_u64(cfg, SM_K_MEM_SIZE), 1ull << 30);
	assert_int_equal(sm_cfg_u64(cfg, SM_K_CPU_TLB_ENTRIES), 1280);
	assert_true(sm_cfg_bool(cfg, SM_K_CHECK_ENABLE));
	assert_false(sm_cfg_bool(cfg, SM_K_SMMU_BTM));
	assert_int_equal(sm_cfg_enum(cfg, SM_K_POLICY_NOTIFIER_PLACEMENT),
			 SM_PLACEMENT_ARCH_FLUSH);
	assert_string_equal(sm_cfg_presets(cfg), "");
	assert_string_equal(smmusim_config_error(cfg), "");
}

static void test_get_errors(void **state)
{
	smmusim_config_t *cfg = *state;
	char buf[64];
	assert_int_equal(
	    smmusim_config_get(cfg, "no.such.key", buf, sizeof(buf)),
	    SMMUSIM_ENOKEY);
	/* A prefix of a key is not the key. */
	assert_int_equal(smmusim_config_get(cfg, "cpu.coun", buf, sizeof(buf)),
			 SMMUSIM_ENOKEY);
	assert_int_equal(
	    smmusim_config_get(cfg, "cpu.count.", buf, sizeof(buf)),
	    SMMUSIM_ENOKEY);
	assert_int_equal(
	    smmusim_config_get(NULL, "cpu.count", buf, sizeof(buf)),
	    SMMUSIM_EINVAL);
	assert_int_equal(smmusim_config_get(cfg, NULL, buf, sizeof(buf)),
			 SMMUSIM_EINVAL);
	assert_int_equal(smmusim_config_get(cfg, "cpu.count", NULL, 8),
			 SMMUSIM_EINVAL);
	/* A short buffer gets "" and SMMUSIM_ERANGE, never a truncated
	 * value; SMMUSIM_CONFIG_VALUE_MAX is enough for any key. */
	char small[4];
	assert_int_equal(smmusim_config_get(cfg, "policy.notifier.placement",
					    small, sizeof(small)),
			 SMMUSIM_ERANGE);
	assert_string_equal(small, "");
	assert_int_equal(smmusim_config_get(cfg, "cpu.count", small, 0),
			 SMMUSIM_ERANGE);
	for (size_t i = 0; i < smmusim_config_key_count(); i++) {
		struct smmusim_key_info ki;
		char max[SMMUSIM_CONFIG_VALUE_MAX];
		assert_int_equal(smmusim_config_key_info(i, &ki), 0);
		assert_int_equal(
		    smmusim_config_get(cfg, ki.name, max, sizeof(max)), 0);
	}
}

/* ---- setters ---- */

static void test_set_bool(void **state)
{
	smmusim_config_t *cfg = *state;
	static const struct {
		const char *text;
		bool v;
	} words[] = {
	    {"off", false}, {"on", true},   {"false", false}, {"true", true},
	    {"no", false},  {"yes", true},  {"0", false},     {"1", true},
	    {"OFF", false}, {"True", true}, {"No", false},    {"YES", true},
	};
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		assert_int_equal(
		    smmusim_config_set(cfg, "smmu.btm", words[i].text), 0);
		assert_int_equal(sm_cfg_bool(cfg, SM_K_SMMU_BTM), words[i].v);
		assert_get(cfg, "smmu.btm", words[i].v ? "on" : "off");
	}

	static const char *const bad[] = {"maybe", "",		 "2",	  "o",
					  "onn",   "yes please", "enable"};
	assert_int_equal(smmusim_config_set(cfg, "smmu.btm", "on"), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(smmusim_config_set(cfg, "smmu.btm", bad[i]),
				 SMMUSIM_EINVAL);
		assert_err_has(cfg, "smmu.btm");
		assert_err_has(cfg, "on|off");
		/* A failed set leaves the value alone. */
		assert_get(cfg, "smmu.btm", "on");
	}
}

static void test_set_u64(void **state)
{
	smmusim_config_t *cfg = *state;
	static const struct {
		const char *key, *text;
		uint64_t v;
	} ok[] = {
	    {"cpu.count", "8", 8},
	    {"cpu.count", "0x10", 16},
	    {"cpu.count", "0X1f", 31},
	    {"cpu.count", "1", 1},
	    {"cpu.count", "256", 256},
	    {"cpu.count", "0x100", 256},
	    {"policy.smmu.batch", "2k", 2048},
	    {"policy.smmu.batch", "64K", 65536},
	    {"mem.size", "64M", 64ull << 20},
	    {"mem.size", "16m", 16ull << 20},
	    {"mem.size", "2G", 2ull << 30},
	    {"mem.size", "0x40M", 64ull << 20},
	    {"mem.size", "1024G", 1ull << 40},
	    {"sim.seed", "0", 0},
	    {"sim.seed", "18446744073709551615", UINT64_MAX},
	    {"sim.seed", "0xffffffffffffffff", UINT64_MAX},
	    {"sim.seed", "16G", 16ull << 30},
	    {"sim.seed", "007", 7},
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		int rc = smmusim_config_set(cfg, ok[i].key, ok[i].text);
		if (rc != 0)
			fail_msg("%s=%s: rc %d (%s)", ok[i].key, ok[i].text, rc,
				 smmusim_config_error(cfg));
		char want[32];
		snprintf(want, sizeof(want), "%llu",
			 (unsigned long long)ok[i].v);
		assert_get(cfg, ok[i].key, want);
	}
	assert_int_equal(sm_cfg_u64(cfg, SM_K_SIM_SEED), 7);
	assert_int_equal(sm_cfg_u64(cfg, SM_K_CPU_COUNT), 256);
	assert_int_equal(sm_cfg_u64(cfg, SM_K_POLICY_SMMU_BATCH), 65536);
	assert_int_equal(sm_cfg_u64(cfg, SM_K_MEM_SIZE), 1ull << 40);
}

static void test_set_u64_not_a_number(void **state)
{
	smmusim_config_t *cfg = *state;
	static const char *const bad[] = {"",	 "abc", "12abc", "-1",
					  "0x",	 "1.5", " 8",	 "8 ",
					  "0xg", "K",	"4KK",	 "+3"};
	assert_int_equal(smmusim_config_set(cfg, "cpu.count", "8"), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = smmusim_config_set(cfg, "cpu.count", bad[i]);
		if (rc != SMMUSIM_EINVAL)
			fail_msg("cpu.count='%s': rc %d, want EINVAL", bad[i],
				 rc);
		assert_err_has(cfg, "cpu.count");
		assert_err_has(cfg, "1..256");
		assert_get(cfg, "cpu.count", "8");
	}
}

static void test_set_u64_out_of_range(void **state)
{
	smmusim_config_t *cfg = *state;
	static const char *const over[] = {"0", "257", "0x101", "1K",
					   "99999999999"};
	for (size_t i = 0; i < sizeof(over) / sizeof(over[0]); i++) {
		assert_int_equal(smmusim_config_set(cfg, "cpu.count", over[i]),
				 SMMUSIM_ERANGE);
		assert_err_has(cfg, "cpu.count");
		assert_err_has(cfg, "1..256");
		assert_err_has(cfg, over[i]);
		assert_get(cfg, "cpu.count", "4");
	}

	/* Below a non-zero minimum, above a large maximum. */
	assert_int_equal(smmusim_config_set(cfg, "mem.size", "8M"),
			 SMMUSIM_ERANGE);
	assert_err_has(cfg, "mem.size");
	assert_err_has(cfg, "16777216..1099511627776");
	assert_int_equal(smmusim_config_set(cfg, "mem.size", "1025G"),
			 SMMUSIM_ERANGE);
	assert_int_equal(smmusim_config_set(cfg, "check.livelock_faults", "1"),
			 SMMUSIM_ERANGE);
	assert_err_has(cfg, "check.livelock_faults");
	assert_err_has(cfg, "2..1000000");

	/* More than 64 bits, with and without a suffix. */
	assert_int_equal(
	    smmusim_config_set(cfg, "sim.seed", "18446744073709551616"),
	    SMMUSIM_ERANGE);
	assert_err_has(cfg, "sim.seed");
	assert_err_has(cfg, "0..18446744073709551615");
	assert_int_equal(
	    smmusim_config_set(cfg, "sim.seed", "0x10000000000000000"),
	    SMMUSIM_ERANGE);
	assert_int_equal(smmusim_config_set(cfg, "sim.seed", "17179869184G"),
			 SMMUSIM_ERANGE);
	assert_get(cfg, "sim.seed", "1");
}

static void test_set_enum(void **state)
{
	smmusim_config_t *cfg = *state;
	const char *key = "policy.notifier.placement";
	assert_int_equal(smmusim_config_set(cfg, key, "range_end"), 0);
	assert_get(cfg, key, "range_end");
	assert_int_equal(sm_cfg_enum(cfg, SM_K_POLICY_NOTIFIER_PLACEMENT),
			 SM_PLACEMENT_RANGE_END);
	assert_int_equal(smmusim_config_set(cfg, key, "arch_flush"), 0);
	assert_get(cfg, key, "arch_flush");
	assert_int_equal(sm_cfg_enum(cfg, SM_K_POLICY_NOTIFIER_PLACEMENT),
			 SM_PLACEMENT_ARCH_FLUSH);

	static const char *const bad[] = {
	    "middle",	 "",	       "range",
	    "arch",	 "range_end|", "arch_flush_",
	    "RANGE_END", "1",	       "range_end|arch_flush"};
	assert_int_equal(smmusim_config_set(cfg, key, "range_end"), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = smmusim_config_set(cfg, key, bad[i]);
		if (rc != SMMUSIM_EINVAL)
			fail_msg("%s='%s': rc %d, want EINVAL", key, bad[i],
				 rc);
		assert_err_has(cfg, key);
		assert_err_has(cfg, "range_end|arch_flush");
		assert_get(cfg, key, "range_end");
	}
}

static void test_unknown_key(void **state)
{
	smmusim_config_t *cfg = *state;
	assert_int_equal(smmusim_config_set(cfg, "cpu.frobnicate", "1"),
			 SMMUSIM_ENOKEY);
	assert_err_has(cfg, "cpu.frobnicate");
	assert_int_equal(smmusim_config_set(cfg, "cpu", "1"), SMMUSIM_ENOKEY);
	assert_err_has(cfg, "'cpu'");
	assert_int_equal(smmusim_config_set(cfg, "", "1"), SMMUSIM_ENOKEY);
	assert_int_equal(smmusim_config_set(cfg, "CPU.COUNT", "1"),
			 SMMUSIM_ENOKEY);
	assert_int_equal(smmusim_config_set(NULL, "cpu.count", "1"),
			 SMMUSIM_EINVAL);
	assert_int_equal(smmusim_config_set(cfg, NULL, "1"), SMMUSIM_EINVAL);
	assert_int_equal(smmusim_config_set(cfg, "cpu.count", NULL),
			 SMMUSIM_EINVAL);
	assert_get(cfg, "cpu.count", "4");
}

static void test_set_assignment(void **state)
{
	smmusim_config_t *cfg = *state;
	assert_int_equal(smmusim_config_set_assignment(cfg, "cpu.count=8"), 0);
	assert_get(cfg, "cpu.count", "8");
	assert_int_equal(smmusim_config_set_assignment(
			     cfg, "policy.notifier.placement=range_end"),
			 0);
	assert_get(cfg, "policy.notifier.placement", "range_end");
	assert_int_equal(smmusim_config_set_assignment(cfg, "smmu.btm=yes"), 0);
	assert_get(cfg, "smmu.btm", "on");

	/* No '=' at all. */
	assert_int_equal(smmusim_config_set_assignment(cfg, "cpu.count"),
			 SMMUSIM_EINVAL);
	assert_err_has(cfg, "cpu.count");
	assert_err_has(cfg, "key=value");
	assert_int_equal(smmusim_config_set_assignment(cfg, ""),
			 SMMUSIM_EINVAL);
	/* No key. */
	assert_int_equal(smmusim_config_set_assignment(cfg, "=5"),
			 SMMUSIM_EINVAL);
	assert_err_has(cfg, "key=value");
	/* Empty value. */
	assert_int_equal(smmusim_config_set_assignment(cfg, "cpu.count="),
			 SMMUSIM_EINVAL);
	assert_err_has(cfg, "cpu.count");
	/* Only the first '=' splits. */
	assert_int_equal(smmusim_config_set_assignment(cfg, "cpu.count=1=2"),
			 SMMUSIM_EINVAL);
	/* Errors of the key and value propagate. */
	assert_int_equal(smmusim_config_set_assignment(cfg, "nosuch.key=1"),
			 SMMUSIM_ENOKEY);
	assert_err_has(cfg, "nosuch.key");
	assert_int_equal(smmusim_config_set_assignment(cfg, "cpu.count=0"),
			 SMMUSIM_ERANGE);
	assert_err_has(cfg, "1..256");
	/* The key is matched exactly, not by prefix. */
	assert_int_equal(smmusim_config_set_assignment(cfg, "cpu.coun=1"),
			 SMMUSIM_ENOKEY);
	assert_int_equal(smmusim_config_set_assignment(NULL, "cpu.count=1"),
			 SMMUSIM_EINVAL);
	assert_int_equal(smmusim_config_set_assignment(cfg, NULL),
			 SMMUSIM_EINVAL);
	assert_get(cfg, "cpu.count", "8");
}

/* ---- presets ---- */

static void test_policy_presets(void **state)
{
	smmusim_config_t *cfg = *state;
	const char *key = "policy.notifier.placement";
	/* Five linux-* presets and two research-* what-ifs. */
	assert_int_equal(smmusim_preset_count("policy"), 7);

	assert_int_equal(
	    smmusim_config_apply_preset(cfg, "policy", "linux-6.5"), 0);
	assert_get(cfg, key, "range_end");
	assert_string_equal(sm_cfg_presets(cfg), "linux-6.5");

	assert_int_equal(
	    smmusim_config_apply_preset(cfg, "policy", "linux-6.6"), 0);
	assert_get(cfg, key, "arch_flush");
	assert_string_equal(sm_cfg_presets(cfg), "linux-6.5+linux-6.6");

	/* A later -o overrides a preset. */
	assert_int_equal(smmusim_config_set(cfg, key, "range_end"), 0);
	assert_get(cfg, key, "range_end");
	/* Presets only touch their own keys. */
	assert_get(cfg, "cpu.count", "4");
}

static void test_unknown_preset(void **state)
{
	smmusim_config_t *cfg = *state;
	assert_int_equal(
	    smmusim_config_apply_preset(cfg, "policy", "linux-9.9"),
	    SMMUSIM_EINVAL);
	assert_err_has(cfg, "linux-9.9");
	assert_err_has(cfg, "linux-6.5");
	assert_err_has(cfg, "linux-6.6");
	assert_string_equal(sm_cfg_presets(cfg), "");
	assert_get(cfg, "policy.notifier.placement", "arch_flush");

	/* A retired name says which preset replaces it. */
	assert_int_equal(
	    smmusim_config_apply_preset(cfg, "policy", "linux-6.14"),
	    SMMUSIM_EINVAL);
	assert_err_has(cfg, "'linux-6.14' was removed: use 'linux-6.15'");
	assert_string_equal(sm_cfg_presets(cfg), "");

	/* Exact match only. */
	assert_int_equal(smmusim_config_apply_preset(cfg, "policy", "linux-6"),
			 SMMUSIM_EINVAL);
	assert_int_equal(smmusim_config_apply_preset(cfg, "policy", ""),
			 SMMUSIM_EINVAL);
	assert_int_equal(smmusim_config_apply_preset(cfg, "policy", NULL),
			 SMMUSIM_EINVAL);

	/* hw presets: qemu-7.2 and gem5-default; a near miss lists them. */
	assert_int_equal(smmusim_preset_count("hw"), 2);
	assert_int_equal(smmusim_config_apply_preset(cfg, "hw", "gem5"),
			 SMMUSIM_EINVAL);
	assert_err_has(cfg, "gem5-default");
	assert_err_has(cfg, "qemu-7.2");
	assert_int_equal(smmusim_config_apply_preset(cfg, "hw", "qemu-7.2"), 0);
	assert_get(cfg, "smmu.iotlb.entries", "256");
	assert_get(cfg, "smmu.iotlb.replacement", "flushall");
}

static void test_unknown_preset_kind(void **state)
{
	smmusim_config_t *cfg = *state;
	assert_int_equal(
	    smmusim_config_apply_preset(cfg, "firmware", "linux-6.6"),
	    SMMUSIM_EINVAL);
	assert_err_has(cfg, "firmware");
	assert_err_has(cfg, "policy");
	assert_err_has(cfg, "hw");
	assert_int_equal(smmusim_config_apply_preset(cfg, NULL, "linux-6.6"),
			 SMMUSIM_EINVAL);
	assert_int_equal(
	    smmusim_config_apply_preset(NULL, "policy", "linux-6.6"),
	    SMMUSIM_EINVAL);
	assert_string_equal(sm_cfg_presets(cfg), "");
	assert_int_equal(smmusim_preset_count("firmware"), 0);
	assert_int_equal(smmusim_preset_count(NULL), 0);
	assert_int_equal(
	    smmusim_preset_info("firmware", 0, NULL, NULL, NULL, NULL),
	    SMMUSIM_EINVAL);
}

static void test_preset_info(void **state)
{
	(void)state;
	size_t n = smmusim_preset_count("policy");
	bool seen65 = false, seen66 = false;
	for (size_t i = 0; i < n; i++) {
		const char *name = NULL, *desc = NULL;
		const char *const *as = NULL;
		size_t nas = 0;
		assert_int_equal(
		    smmusim_preset_info("policy", i, &name, &desc, &as, &nas),
		    0);
		assert_non_null(name);
		assert_non_null(desc);
		assert_true(strlen(desc) > 0);
		assert_non_null(as);
		assert_true(nas >= 1);
		/* Every assignment of a kernel preset cites its source. */
		for (size_t j = 0; j < nas; j++) {
			const char *src = smmusim_preset_source("policy", i, j);
			assert_non_null(src);
			assert_true(strlen(src) > 10);
		}
		assert_null(smmusim_preset_source("policy", i, nas));

		/* Each assignment is valid, and applying the preset gives the
		 * same config as applying its assignments one by one. */
		smmusim_config_t *a, *b;
		assert_int_equal(smmusim_config_new(&a, NULL), 0);
		assert_int_equal(smmusim_config_new(&b, NULL), 0);
		for (size_t j = 0; j < nas; j++) {
			assert_non_null(strchr(as[j], '='));
			assert_int_equal(
			    smmusim_config_set_assignment(a, as[j]), 0);
		}
		assert_int_equal(smmusim_config_apply_preset(b, "policy", name),
				 0);
		for (size_t k = 0; k < smmusim_config_key_count(); k++) {
			char va[64], vb[64];
			sm_cfg_format(a, (enum sm_key_id)k, va, sizeof(va));
			sm_cfg_format(b, (enum sm_key_id)k, vb, sizeof(vb));
			assert_string_equal(va, vb);
		}
		smmusim_config_free(a);
		smmusim_config_free(b);

		/* Linux presets take Linux's paths where the model knows a
		 * what-if; research presets say they are not Linux. */
		bool pri_deny = false, btm_off = false;
		for (size_t j = 0; j < nas; j++) {
			pri_deny |= !strcmp(as[j], "policy.smmu.pri=deny");
			btm_off |= !strcmp(as[j], "policy.smmu.btm=off");
		}
		if (!strncmp(name, "linux-", 6)) {
			assert_true(pri_deny && btm_off);
		} else {
			assert_int_equal(strncmp(name, "research-", 9), 0);
			assert_non_null(strstr(desc, "what-if, not mainline"));
			assert_false(pri_deny && btm_off);
		}
		if (strcmp(name, "linux-6.5") == 0) {
			seen65 = true;
			assert_int_equal(nas, 15);
			assert_string_equal(
			    as[0], "policy.notifier.placement=range_end");
		} else if (strcmp(name, "linux-6.6") == 0) {
			seen66 = true;
			assert_int_equal(nas, 15);
			assert_string_equal(
			    as[0], "policy.notifier.placement=arch_flush");
		}
	}
	assert_true(seen65);
	assert_true(seen66);

	/* Out-parameters are optional; indexes past the end fail. */
	assert_int_equal(
	    smmusim_preset_info("policy", 0, NULL, NULL, NULL, NULL), 0);
	const char *name = "untouched";
	assert_int_equal(
	    smmusim_preset_info("policy", n, &name, NULL, NULL, NULL),
	    SMMUSIM_EINVAL);
	assert_string_equal(name, "untouched");
	assert_int_equal(smmusim_preset_info("hw", 2, &name, NULL, NULL, NULL),
			 SMMUSIM_EINVAL);
	assert_int_equal(smmusim_preset_info("hw", 0, &name, NULL, NULL, NULL),
			 0);
	assert_string_equal(name, "qemu-7.2");
}

/* ---- copy ---- */

static void test_config_copy(void **state)
{
	smmusim_config_t *src = *state, *dst;
	assert_int_equal(smmusim_config_new(&dst, NULL), 0);

	assert_int_equal(smmusim_config_set(src, "cpu.count", "16"), 0);
	assert_int_equal(smmusim_config_set(src, "smmu.btm", "on"), 0);
	assert_int_equal(smmusim_config_set(src, "sim.seed", "0xabcdef"), 0);
	assert_int_equal(
	    smmusim_config_apply_preset(src, "policy", "linux-6.5"), 0);
	/* Something in dst that src does not have: overwritten. */
	assert_int_equal(smmusim_config_set(dst, "mem.size", "32M"), 0);

	assert_int_equal(smmusim_config_copy(dst, src), 0);
	for (size_t i = 0; i < smmusim_config_key_count(); i++) {
		char a[64], b[64];
		sm_cfg_format(src, (enum sm_key_id)i, a, sizeof(a));
		sm_cfg_format(dst, (enum sm_key_id)i, b, sizeof(b));
		assert_string_equal(a, b);
	}
	assert_get(dst, "cpu.count", "16");
	assert_get(dst, "mem.size", "1073741824");
	assert_get(dst, "policy.notifier.placement", "range_end");
	assert_string_equal(sm_cfg_presets(dst), "linux-6.5");

	/* The copy is independent. */
	assert_int_equal(smmusim_config_set(src, "cpu.count", "2"), 0);
	assert_get(dst, "cpu.count", "16");
	assert_int_equal(smmusim_config_set(dst, "cpu.count", "3"), 0);
	assert_get(src, "cpu.count", "2");

	assert_int_equal(smmusim_config_copy(NULL, src), SMMUSIM_EINVAL);
	assert_int_equal(smmusim_config_copy(dst, NULL), SMMUSIM_EINVAL);
	smmusim_config_free(dst);
}

static void test_config_new_null(void **state)
{
	(void)state;
	assert_int_equal(smmusim_config_new(NULL, NULL), SMMUSIM_EINVAL);
	smmusim_config_free(NULL); /* no-op */
	assert_string_equal(smmusim_config_error(NULL), "");
}

/* ---- validation when a simulator is built ---- */

static void test_new_ex_bad_tlb_geometry(void **state)
{
	smmusim_config_t *cfg = *state;
	assert_int_equal(smmusim_config_set(cfg, "cpu.tlb.entries", "1000"), 0);
	assert_int_equal(smmusim_config_set(cfg, "cpu.tlb.ways", "3"), 0);

	smmusim_t *sim = (smmusim_t *)(uintptr_t)1;
	char msg[256];
	memset(msg, 'x', sizeof(msg));
	int rc = smmusim_new_ex(&sim, cfg, NULL, msg, sizeof(msg));
	assert_true(rc < 0);
	assert_int_equal(rc, SMMUSIM_ERANGE);
	assert_null(sim);
	assert_non_null(memchr(msg, '\0', sizeof(msg)));
	if (!strstr(msg, "cpu.tlb.entries"))
		fail_msg("errmsg '%s' does not name cpu.tlb.entries", msg);
	assert_non_null(strstr(msg, "1000"));
	assert_non_null(strstr(msg, "3"));

	/* A short buffer is truncated and terminated. */
	char tiny[8];
	memset(tiny, 'x', sizeof(tiny));
	rc = smmusim_new_ex(&sim, cfg, NULL, tiny, sizeof(tiny));
	assert_int_equal(rc, SMMUSIM_ERANGE);
	assert_int_equal(strlen(tiny), sizeof(tiny) - 1);
	assert_int_equal(strncmp(tiny, msg, sizeof(tiny) - 1), 0);

	/* No buffer at all is fine too. */
	assert_int_equal(smmusim_new_ex(&sim, cfg, NULL, NULL, 0),
			 SMMUSIM_ERANGE);
	assert_int_equal(smmusim_new(&sim, cfg, NULL), SMMUSIM_ERANGE);

	/* Same check for the IOTLB. */
	assert_int_equal(smmusim_config_set(cfg, "cpu.tlb.ways", "4"), 0);
	assert_int_equal(smmusim_config_set(cfg, "smmu.iotlb.entries", "10"),
			 0);
	assert_int_equal(smmusim_config_set(cfg, "smmu.iotlb.ways", "4"), 0);
	rc = smmusim_new_ex(&sim, cfg, NULL, msg, sizeof(msg));
	assert_int_equal(rc, SMMUSIM_ERANGE);
	assert_null(sim);
	assert_non_null(strstr(msg, "smmu.iotlb.entries"));
	assert_null(strstr(msg, "cpu.tlb"));
}

/* A failed smmusim_new_ex gives back everything it took from the caller's
 * allocator. */
static void test_new_ex_failure_frees(void **state)
{
	smmusim_config_t *cfg = *state;
	struct counting cnt;
	struct smmusim_allocator ca = counting_allocator(&cnt);
	smmusim_t *sim;
	char msg[256];

	/* The SMMU fails after the CPU side was built. */
	assert_int_equal(smmusim_config_set(cfg, "smmu.iotlb.entries", "10"),
			 0);
	assert_int_equal(smmusim_new_ex(&sim, cfg, &ca, msg, sizeof(msg)),
			 SMMUSIM_ERANGE);
	assert_true(cnt.blocks == 0);
	assert_true(cnt.bytes == 0);

	/* The CPU side fails. */
	assert_int_equal(smmusim_config_set(cfg, "smmu.iotlb.entries", "2048"),
			 0);
	assert_int_equal(smmusim_config_set(cfg, "cpu.tlb.entries", "1000"), 0);
	assert_int_equal(smmusim_config_set(cfg, "cpu.tlb.ways", "3"), 0);
	assert_int_equal(smmusim_new_ex(&sim, cfg, &ca, msg, sizeof(msg)),
			 SMMUSIM_ERANGE);
	assert_true(cnt.blocks == 0);
	assert_true(cnt.bytes == 0);

	/* A successful build and free balances too. */
	long long bytes0 = cnt.bytes;
	assert_int_equal(smmusim_config_set(cfg, "cpu.tlb.ways", "4"), 0);
	assert_int_equal(smmusim_config_set(cfg, "cpu.tlb.entries", "1024"), 0);
	assert_int_equal(smmusim_new_ex(&sim, cfg, &ca, msg, sizeof(msg)), 0);
	assert_true(cnt.blocks > 0);
	smmusim_free(sim);
	assert_true(cnt.blocks == 0);
	assert_true(cnt.bytes == bytes0);
}

static void test_new_ex_ok_copies_config(void **state)
{
	smmusim_config_t *cfg = *state;
	assert_int_equal(smmusim_config_set(cfg, "cpu.count", "2"), 0);
	assert_int_equal(smmusim_config_set(cfg, "cpu.tlb.entries", "999"), 0);
	assert_int_equal(smmusim_config_set(cfg, "cpu.tlb.ways", "3"), 0);

	smmusim_t *sim = NULL;
	char msg[128];
	memset(msg, 'x', sizeof(msg));
	int rc = smmusim_new_ex(&sim, cfg, NULL, msg, sizeof(msg));
	if (rc != 0)
		fail_msg("smmusim_new_ex: %d (%s)", rc, msg);
	assert_non_null(sim);
	assert_string_equal(msg, "");

	/* The simulator holds its own copy. */
	assert_int_equal(smmusim_config_set(cfg, "cpu.count", "8"), 0);
	const smmusim_config_t *own = smmusim_config(sim);
	assert_non_null(own);
	assert_true(own != cfg);
	assert_get(own, "cpu.count", "2");
	assert_get(own, "cpu.tlb.entries", "999");
	smmusim_free(sim);

	assert_int_equal(smmusim_new_ex(NULL, cfg, NULL, msg, sizeof(msg)),
			 SMMUSIM_EINVAL);
	assert_int_equal(smmusim_new_ex(&sim, NULL, NULL, msg, sizeof(msg)),
			 SMMUSIM_EINVAL);
}

/* ---- config files and layers ---- */

static void test_load_string(void **state)
{
	smmusim_config_t *cfg = *state;
	/* Comments, blank lines, trimming, CRLF, no final newline; a later
	 * line wins. */
	assert_int_equal(smmusim_config_load_string(cfg, "t.conf",
						    "# a comment\n"
						    "\n"
						    "  cpu.count = 2  # two\n"
						    "\tsmmu.btm=on\r\n"
						    "cpu.count = 8"),
			 0);
	assert_get(cfg, "cpu.count", "8");
	assert_get(cfg, "smmu.btm", "on");
	assert_string_equal(sm_cfg_presets(cfg), "");
	assert_int_equal(smmusim_config_load_string(cfg, "t.conf", ""), 0);
	assert_int_equal(smmusim_config_load_string(cfg, NULL, "# only\n"), 0);
	assert_int_equal(smmusim_config_load_string(NULL, "x", "a = b"),
			 SMMUSIM_EINVAL);
	assert_int_equal(smmusim_config_load_string(cfg, "x", NULL),
			 SMMUSIM_EINVAL);
}

static void test_load_syntax_errors(void **state)
{
	smmusim_config_t *cfg = *state;
	/* FILE:LINE:COLUMN, the column of the line's first character; the
	 * valid line before the error is not applied. */
	assert_int_equal(smmusim_config_load_string(cfg, "s.conf",
						    "cpu.count = 2\n"
						    "   bogus line\n"),
			 SMMUSIM_EINVAL);
	assert_string_equal(smmusim_config_error(cfg),
			    "s.conf:2:4: expected 'key = value'");
	assert_get(cfg, "cpu.count", "4");
	assert_int_equal(smmusim_config_load_string(cfg, "s.conf", " = 1\n"),
			 SMMUSIM_EINVAL);
	assert_string_equal(smmusim_config_error(cfg),
			    "s.conf:1:2: expected 'key = value'");
	assert_int_equal(
	    smmusim_config_load_string(cfg, NULL, "cpu.count =  # none\n"),
	    SMMUSIM_EINVAL);
	assert_string_equal(smmusim_config_error(cfg),
			    "(string):1:1: expected 'key = value'");
	/* A syntax error anywhere stops the file before any setting. */
	assert_int_equal(smmusim_config_load_string(cfg, "s.conf",
						    "cpu.count = 999\n"
						    "oops\n"),
			 SMMUSIM_EINVAL);
	assert_string_equal(smmusim_config_error(cfg),
			    "s.conf:2:1: expected 'key = value'");
}

static void test_load_value_errors(void **state)
{
	smmusim_config_t *cfg = *state;
	/* A bad value points at the value, an unknown key at the key; the
	 * library's own message follows; nothing of the file applies. */
	assert_int_equal(smmusim_config_load_string(cfg, "v.conf",
						    "smmu.btm = on\n"
						    "cpu.count =   999\n"),
			 SMMUSIM_ERANGE);
	assert_string_equal(smmusim_config_error(cfg),
			    "v.conf:2:15: cpu.count: 999 is out of range "
			    "(allowed: 1..256)");
	assert_get(cfg, "smmu.btm", "off");
	assert_int_equal(
	    smmusim_config_load_string(cfg, "v.conf", "\n  nokey.x = 1\n"),
	    SMMUSIM_ENOKEY);
	assert_string_equal(smmusim_config_error(cfg),
			    "v.conf:2:3: unknown config key 'nokey.x' "
			    "(smmusim config --list shows them all)");
	/* Only the first '=' separates: the rest is the value. */
	assert_int_equal(
	    smmusim_config_load_string(cfg, "v.conf", "smmu.btm = on=off\n"),
	    SMMUSIM_EINVAL);
	assert_err_has(cfg, "v.conf:1:12: smmu.btm: 'on=off'");
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_load_file(void **state)
{
	smmusim_config_t *cfg = *state;
	char path[] = "/tmp/smmusim-test-config-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	write_file(path, "cpu.count = 2\nsmmu.btm = on\n");
	assert_int_equal(smmusim_config_load_file(cfg, path), 0);
	assert_get(cfg, "cpu.count", "2");
	assert_get(cfg, "smmu.btm", "on");

	/* Errors name the file. */
	write_file(path, "\n\ncpu.count = 0\n");
	assert_int_equal(smmusim_config_load_file(cfg, path), SMMUSIM_ERANGE);
	char want[128];
	snprintf(want, sizeof(want), "%s:3:13: cpu.count: 0", path);
	assert_err_has(cfg, want);
	assert_get(cfg, "cpu.count", "2");
	unlink(path);

	assert_int_equal(smmusim_config_load_file(cfg, path), SMMUSIM_EIO);
	snprintf(want, sizeof(want), "cannot open config file '%s': ", path);
	assert_err_has(cfg, want);
	assert_int_equal(smmusim_config_load_file(cfg, NULL), SMMUSIM_EINVAL);
	assert_int_equal(smmusim_config_load_file(NULL, path), SMMUSIM_EINVAL);
}

/* A NUL (in a file) or another control byte is refused at its column,
 * before any setting applies, instead of cutting the line short (issue
 * 8); tabs and CRLF line ends are fine. */
static void test_load_control_bytes(void **state)
{
	smmusim_config_t *cfg = *state;
	char path[] = "/tmp/smmusim-test-config-XXXXXX";
	static const char nul[] = "smmu.btm = on\ncpu.count = 2\0junk\n";
	int fd = mkstemp(path);
	char want[160];
	FILE *f;

	assert_true(fd >= 0);
	close(fd);
	f = fopen(path, "w");
	assert_non_null(f);
	fwrite(nul, 1, sizeof(nul) - 1, f);
	fclose(f);
	assert_int_equal(smmusim_config_load_file(cfg, path), SMMUSIM_EINVAL);
	snprintf(want, sizeof(want),
		 "%s:2:14: NUL byte in a config line (only tab; lines end "
		 "with \\n or \\r\\n)",
		 path);
	assert_string_equal(smmusim_config_error(cfg), want);
	assert_get(cfg, "smmu.btm", "off"); /* nothing applied */
	/* a NUL in a comment too */
	f = fopen(path, "w");
	assert_non_null(f);
	fwrite("cpu.count = 2 # a\0b\n", 1, 20, f);
	fclose(f);
	assert_int_equal(smmusim_config_load_file(cfg, path), SMMUSIM_EINVAL);
	snprintf(want, sizeof(want), "%s:1:18: NUL byte", path);
	assert_err_has(cfg, want);
	unlink(path);

	assert_int_equal(
	    smmusim_config_load_string(cfg, "c.conf", "cpu.count = 2\r# x\n"),
	    SMMUSIM_EINVAL);
	assert_string_equal(smmusim_config_error(cfg),
			    "c.conf:1:14: control byte in a config line (only "
			    "tab; lines end with \\n or \\r\\n)");
	assert_int_equal(smmusim_config_load_string(
			     cfg, "c.conf", "# \x1b[0m\ncpu.count = 2\n"),
			 SMMUSIM_EINVAL);
	assert_err_has(cfg, "c.conf:1:3: control byte");
	assert_get(cfg, "cpu.count", "4");
	assert_int_equal(
	    smmusim_config_load_string(cfg, "c.conf",
				       "cpu.count\t=\t2\r\nsmmu.btm = on\r"),
	    0);
	assert_get(cfg, "cpu.count", "2");
	assert_get(cfg, "smmu.btm", "on");

	/* A file is read whole: over 1 MiB is refused (--config /dev/zero). */
	assert_int_equal(smmusim_config_load_file(cfg, "/dev/zero"),
			 SMMUSIM_ERANGE);
	assert_string_equal(smmusim_config_error(cfg),
			    "/dev/zero: config file larger than 1048576 bytes "
			    "(the largest allowed)");
}

static void test_apply_layers(void **state)
{
	smmusim_config_t *cfg = *state;
	char path[] = "/tmp/smmusim-test-layers-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	/* The file overrides both presets; -o overrides the file. */
	write_file(path, "smmu.iotlb.entries = 512\n"
			 "policy.cpu.range_split = descending\n"
			 "cpu.count = 2\n");
	const char *hw[] = {"qemu-7.2"}, *files[] = {path},
		   *sets[] = {"cpu.count=3", "cpu.count=6"};
	struct smmusim_config_layers l = {
	    .hw = hw,
	    .n_hw = 1,
	    .policy = "linux-6.5",
	    .files = files,
	    .n_files = 1,
	    .sets = sets,
	    .n_sets = 2,
	};
	assert_int_equal(smmusim_config_apply_layers(cfg, &l), 0);
	assert_string_equal(sm_cfg_presets(cfg), "qemu-7.2+linux-6.5");
	assert_get(cfg, "smmu.iotlb.replacement", "flushall"); /* hw */
	assert_get(cfg, "policy.notifier.placement", "range_end");
	assert_get(cfg, "smmu.iotlb.entries", "512");		 /* file */
	assert_get(cfg, "policy.cpu.range_split", "descending"); /* file */
	assert_get(cfg, "cpu.count", "6");			 /* -o */

	/* A failing layer leaves the config as it was. */
	smmusim_config_t *fresh = NULL;
	assert_int_equal(smmusim_config_new(&fresh, NULL), 0);
	const char *bad[] = {"cpu.count=0"};
	l.sets = bad;
	l.n_sets = 1;
	assert_int_equal(smmusim_config_apply_layers(fresh, &l),
			 SMMUSIM_ERANGE);
	assert_err_has(fresh, "cpu.count: 0 is out of range");
	assert_string_equal(sm_cfg_presets(fresh), "");
	assert_get(fresh, "smmu.iotlb.entries", "2048"); /* default */
	l.policy = "linux-9";
	assert_int_equal(smmusim_config_apply_layers(fresh, &l),
			 SMMUSIM_EINVAL);
	assert_err_has(fresh, "unknown policy preset 'linux-9'");
	assert_string_equal(sm_cfg_presets(fresh), "");
	smmusim_config_free(fresh);
	unlink(path);

	/* Nothing but defaults; NULL arrays with counts are refused. */
	struct smmusim_config_layers none = {0};
	assert_int_equal(smmusim_config_apply_layers(cfg, &none), 0);
	none.n_files = 1;
	assert_int_equal(smmusim_config_apply_layers(cfg, &none),
			 SMMUSIM_EINVAL);
	assert_int_equal(smmusim_config_apply_layers(cfg, NULL),
			 SMMUSIM_EINVAL);
	assert_int_equal(smmusim_config_apply_layers(NULL, &l), SMMUSIM_EINVAL);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup_cfg, teardown_cfg)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_key_table_complete),
	    cmocka_unit_test(test_key_info_examples),
	    T(test_defaults_read_back),
	    T(test_get_errors),
	    T(test_set_bool),
	    T(test_set_u64),
	    T(test_set_u64_not_a_number),
	    T(test_set_u64_out_of_range),
	    T(test_set_enum),
	    T(test_unknown_key),
	    T(test_set_assignment),
	    T(test_policy_presets),
	    T(test_unknown_preset),
	    T(test_unknown_preset_kind),
	    cmocka_unit_test(test_preset_info),
	    T(test_config_copy),
	    cmocka_unit_test(test_config_new_null),
	    T(test_new_ex_bad_tlb_geometry),
	    T(test_new_ex_failure_frees),
	    T(test_new_ex_ok_copies_config),
	    T(test_load_string),
	    T(test_load_syntax_errors),
	    T(test_load_value_errors),
	    T(test_load_file),
	    T(test_load_control_bytes),
	    T(test_apply_layers),
	};
	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
