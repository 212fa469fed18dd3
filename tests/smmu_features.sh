#!/bin/sh
# SMMU features end to end through the CLI's JSON stats (issue 4): stage 2,
# nesting, 2-level stream and CD tables, the SVA/DMA ASID move, ATS
# re-attach, the stall model.  Each case is a small
# trace, the exit code it must give, and the counters it must produce; the
# "no invalidation" twins show that the oracle sees what a missing TLBI
# leaves behind.  TAP output.
# usage: smmu_features.sh SMMUSIM TRACES_DIR
set -u
# shellcheck source=tests/tap.sh
. "$(dirname "$0")/tap.sh"
S=$1
T=$2

# run NAME RC "OPTS" "STAT=V ..." < trace: the exit code and the stats of
# the JSON report (stats_check; the STAT "violations" is violations_total).
run() {
	name=$1 want_rc=$2 opts=$3 want=$4
	cat >"$tmp/t.trace"
	# shellcheck disable=SC2086
	"$S" replay "$tmp/t.trace" --format json $opts >"$tmp/r.json" 2>"$tmp/err"
	rc=$?
	why=
	[ "$rc" -eq "$want_rc" ] || why="rc=$rc (want $want_rc)"
	# shellcheck disable=SC2086
	if [ -n "$want" ] && ! stats_check "$tmp/r.json" $want >"$tmp/why"; then
		why="${why:+$why; }$(cat "$tmp/why")"
	fi
	if [ -z "$why" ]; then
		ok "$name"
	else
		bad_err "$name"
		echo "# $why"
	fi
}

# fails NAME "OPTS" "message part" < trace: exit 2 and the message.
fails() {
	name=$1 opts=$2 msg=$3
	cat >"$tmp/t.trace"
	# shellcheck disable=SC2086
	"$S" replay "$tmp/t.trace" $opts >/dev/null 2>"$tmp/err"
	rc=$?
	check_exit "$name" 2 "$msg" -F "$tmp/err"
}

s2_trace() {
	cat <<EOF
smmusim-trace 1
domain_create dom=2 stage=2 vmid=7
attach sid=0x10 dom=2
iommu_map dom=2 va=0x100000 len=8K
dev_access sid=0x10 va=0x100000 op=w
dev_access sid=0x10 va=0x101000 op=r
iommu_unmap dom=2 va=0x100000 len=4K
dev_access sid=0x10 va=0x100000 op=r
$1
cmd op=sync
dev_access sid=0x10 va=0x100000 op=r
iommu_map dom=2 va=0x200000 len=4K prot=r
dev_access sid=0x10 va=0x200000 op=r
dev_access sid=0x10 va=0x200000 op=w
EOF
}

# Stage 2 only: a walk from VTTB at level 0 (4 reads), S2AP permissions,
# the unmapped IPA is tolerated until the sync, then faults (recorded:
# STE.S2R); a write to a read-only IPA is a permission fault.
s2_trace "cmd op=tlbi_s2_ipa vmid=7 addr=0x100000 leaf=1" >"$tmp/in"
run <"$tmp/in" "stage 2: walk, S2AP, unmap window, TLBI_S2_IPA" 0 "" \
		"violations=0 dev.access.ok=4 dev.access.failed=2 smmu.walks=4 smmu.walk.reads=16 smmu.faults.stage2=2 smmu.faults.permission=1 smmu.faults.translation=1 check.tolerated_in_window=1 smmu.iotlb.invalidated=1 smmu.evtq.records=2"
# Without the TLBI the IPA stays cached after the sync: stale.
s2_trace "" >"$tmp/in"
run <"$tmp/in" "stage 2 without TLBI_S2_IPA: stale-translation" 1 "" \
		"violations=1 check.violations.stale-translation=1"
# The wrong VMID does not reach the entry.
s2_trace "cmd op=tlbi_s2_ipa vmid=8 addr=0x100000 leaf=1" >"$tmp/in"
run <"$tmp/in" "stage 2: TLBI_S2_IPA of another VMID: stale" 1 "" \
		"violations=1 check.violations.stale-translation=1"

nested_trace() {
	cat <<EOF
smmusim-trace 1
domain_create dom=1 stage=2
iommu_map dom=1 va=0x40000000 len=1G pa=0x40000000
domain_create dom=2 parent=1 asid=5
attach sid=3 dom=2
iommu_map dom=2 va=0x10000 len=8K
dev_access sid=3 va=0x10000 op=w
dev_access sid=3 va=0x11000 op=r
dev_access sid=3 va=0x12000 op=r
iommu_unmap dom=1 va=0x40000000 len=1G
dev_access sid=3 va=0x10000 op=r
$1
cmd op=sync
dev_access sid=3 va=0x10000 op=r
EOF
}

# Nested: the parent identity-maps RAM with one 1 GiB block; stage 1's
# tables are read through it (each S1 read costs a 2-read S2 walk of the
# block, and the output one more: 4 + 4*2 + 2 = 14 reads per walk).
# Unmapping the parent's block leaves the combined entry stale until
# S12_VMALL; the walk after it fails in stage 2 (an S1 table's IPA).
nested_trace "cmd op=tlbi_s12_vmall vmid=1" >"$tmp/in"
run <"$tmp/in" "nested: combined walk, stage-2 unmap window, S12_VMALL" 0 "" \
		"violations=0 dev.access.ok=3 dev.access.failed=2 smmu.walks=4 smmu.walk.reads=42 smmu.faults.stage2=1 check.tolerated_in_window=1 smmu.iotlb.invalidated=2"
nested_trace "" >"$tmp/in"
run <"$tmp/in" "nested without S12_VMALL: stale-translation" 1 "" \
		"violations=1 check.violations.stale-translation=1"
# TLBI_NH_ASID of the nested domain's ASID in VMID 1 also drops the combined
# entry (a stage-1 entry of that ASID and VMID): no violation.
nested_trace "cmd op=tlbi_nh_asid asid=5 vmid=1" >"$tmp/in"
run <"$tmp/in" "nested: TLBI_NH_ASID with the VMID drops combined entries" 0 "" \
		"violations=0 check.tolerated_in_window=1"
# TLBI_NH_ALL acts on its VMID only.
nested_trace "cmd op=tlbi_nh_all vmid=1" >"$tmp/in"
run <"$tmp/in" "nested: TLBI_NH_ALL of the VMID" 0 "" \
	"violations=0 check.tolerated_in_window=1"
nested_trace "cmd op=tlbi_nh_all vmid=0" >"$tmp/in"
run <"$tmp/in" "nested: TLBI_NH_ALL of VMID 0 leaves VMID 1: stale" 1 "" \
	"violations=1 check.violations.stale-translation=1"
# No stage-2 mapping of the CD table: the CD fetch fails (F_CD_FETCH).
run "nested: CD table not mapped by stage 2: F_CD_FETCH" 0 "" \
	"dev.access.failed=1 smmu.faults.f_cd_fetch=1" <<'EOF'
smmusim-trace 1
domain_create dom=1 stage=2
domain_create dom=2 parent=1
attach sid=3 dom=2
iommu_map dom=2 va=0x10000 len=4K
dev_access sid=3 va=0x10000 op=r
EOF

l2_trace() {
	cat <<'EOF'
smmusim-trace 1
mm_create mm=1
mmap mm=1 va=0x400000 len=64K prot=rw
touch mm=1 va=0x400000 len=64K
bind sid=0xabcde ssid=2000 mm=1
bind sid=0xabcdf ssid=5 mm=1
dev_access sid=0xabcde ssid=2000 va=0x400000 op=w
dev_access sid=0xabcdf ssid=5 va=0x401000 op=r
domain_create dom=1
attach sid=0x100 dom=1
iommu_map dom=1 va=0x10000 len=4K
dev_access sid=0x100 va=0x10000 op=r
dev_access sid=0x101 va=0x10000 op=r
dev_access sid=0xfffff va=0x10000 op=r
EOF
}
# 2-level tables: L2 stream tables for 0xabc.. and 0x1.. (2), CD leaves for
# (0xabcde, leaf 1), (0xabcdf, leaf 0), (0x100, leaf 0) (3).  0x101 is in a
# made L2 table (abort STE); 0xfffff's L1 descriptor is invalid.
l2_trace >"$tmp/in"
run <"$tmp/in" "2-level stream and CD tables" 0 \
	"--set smmu.sid_bits=20 --set smmu.strtab.format=2lvl --set smmu.ssid_bits=16" \
	"violations=0 os.smmu.l2_tables=5 dev.access.ok=3 smmu.aborted=1 smmu.faults.c_bad_streamid=1"
fails <"$tmp/in" "sid_bits above 16 needs the 2-level format" \
	"--set smmu.sid_bits=20" "needs smmu.strtab.format=2lvl"

# 6.1-6.10 (policy.smmu.sva_asid=shared): SVA pins the mm's ASID; the DMA
# domain that held it moves (CD word 0 + CFGI_CD + sync, then the old ASID
# invalidated), so the two never share IOTLB or walk-cache entries.  Each
# run also has the attach's direct-mapping flush (one TLBI_NH_ASID:
# policy.iommu.direct_map_flush), so 6.1 sends 2 and 6.12 sends 1.
sva_asid_trace() {
	cat <<'EOF'
smmusim-trace 1
domain_create dom=1
attach sid=0x10 dom=1
iommu_map dom=1 va=0x10000 len=4K
dev_access sid=0x10 va=0x10000 op=r
mm_create mm=1
mmap mm=1 va=0x10000 len=4K prot=rw
touch mm=1 va=0x10000 len=4K
bind sid=0x20 ssid=1 mm=1
dev_access sid=0x20 ssid=1 va=0x10000 op=r
dev_access sid=0x10 va=0x10000 op=r
EOF
}
sva_asid_trace >"$tmp/sva"
run <"$tmp/sva" "SVA bind moves a DMA domain off the mm's ASID (linux-6.1)" 0 \
	"--policy linux-6.1" \
	"violations=0 dev.access.ok=3 os.smmu.asid_moves=1 smmu.cmd.tlbi_nh_asid=2"
# v6.11+ (sva_asid=own): the SVA domain takes the lowest free ASID; no move.
run <"$tmp/sva" "SVA domain with its own ASID (linux-6.12)" 0 \
	"--policy linux-6.12" \
	"violations=0 dev.access.ok=3 os.smmu.asid_moves=0 smmu.cmd.tlbi_nh_asid=1"

# Regressions (found by an adversarial pass).
# A nested stream must not hit the stage-2-only entry of its parent's VMID.
run "nested lookup never hits a stage-2-only entry" 0 "" \
	"dev.access.ok=1 dev.access.failed=1" <<'EOF'
smmusim-trace 1
domain_create dom=1 stage=2 vmid=1
iommu_map dom=1 va=0x40000000 len=1G pa=0x40000000
attach sid=1 dom=1
domain_create dom=2 parent=1 asid=5
attach sid=2 dom=2
iommu_map dom=2 va=0x10000 len=4K
dev_access sid=1 va=0x40000000 op=r
dev_access sid=2 va=0x40000000 op=r
EOF
# Re-attaching a stream among stage-1, stage-2 and nested domains, each
# mapping one page: 9 of the 27 accesses translate (micro-TLB included).
{
	cat <<'EOF'
smmusim-trace 1
domain_create dom=1 stage=2 vmid=1
iommu_map dom=1 va=0x40000000 len=1G pa=0x40000000
domain_create dom=2
iommu_map dom=2 va=0x10000 len=4K
domain_create dom=3 stage=2
iommu_map dom=3 va=0x20000 len=4K
domain_create dom=4 parent=1
iommu_map dom=4 va=0x30000 len=4K
EOF
	for d in 2 3 4 2 4 3 2 3 4; do
		echo "attach sid=5 dom=$d"
		for a in 0x10000 0x20000 0x30000; do
			echo "dev_access sid=5 va=$a op=r"
		done
	done
} >"$tmp/in"
run <"$tmp/in" "re-attach: the micro-TLB keeps nothing of the old domain" 0 "" \
	"violations=0 dev.access.ok=9 dev.access.failed=18"
run <"$tmp/in" "re-attach without a micro-TLB: the same" 0 "--set smmu.utlb.entries=0" \
	"violations=0 dev.access.ok=9 dev.access.failed=18"
# A SubstreamID on a stage-2-only stream: C_BAD_SUBSTREAMID.
run "stage 2 with a SubstreamID: C_BAD_SUBSTREAMID" 0 "" \
	"dev.access.ok=1 dev.access.failed=1 smmu.faults.c_bad_substreamid=1" <<'EOF'
smmusim-trace 1
domain_create dom=1 stage=2 vmid=1
iommu_map dom=1 va=0x10000 len=4K
attach sid=1 dom=1
dev_access sid=1 ssid=3 va=0x10000 op=r
dev_access sid=1 va=0x10000 op=r
EOF
# Stage-1 TLBIs do not reach stage-2 entries; an illegal TLBI_S2_IPA range
# is CERROR_ILL; its TTL limits the level.
s2_trace "cmd op=tlbi_nh_va asid=0 vmid=7 addr=0x100000" >"$tmp/in"
run <"$tmp/in" "TLBI_NH_VA does not remove a stage-2 entry: stale" 1 "" \
	"violations=1 check.violations.stale-translation=1"
s2_trace "cmd op=tlbi_nh_vaa vmid=7 addr=0x100000" >"$tmp/in"
run <"$tmp/in" "TLBI_NH_VAA does not remove a stage-2 entry: stale" 1 "" \
	"violations=1 check.violations.stale-translation=1"
s2_trace "cmd op=tlbi_s2_ipa vmid=7 addr=0x100000 tg=2 num=0 ttl=1" >"$tmp/in"
run <"$tmp/in" "TLBI_S2_IPA with TG=2: CERROR_ILL, the entry stays" 1 "" \
	"violations=1 smmu.cmdq.errors=1 os.smmu.cerror_ill_acks=1"
block_trace() {
	cat <<EOF
smmusim-trace 1
domain_create dom=1 stage=2 vmid=1
attach sid=1 dom=1
iommu_map dom=1 va=0x200000 len=2M pa=0x40200000
dev_access sid=1 va=0x300000 op=w
iommu_map dom=1 va=0x200000 len=2M pa=0x40200000 prot=r
cmd op=tlbi_s2_ipa vmid=1 addr=0x200000 tg=1 num=1 ttl=$1
cmd op=sync
dev_access sid=1 va=0x300000 op=w
EOF
}
block_trace 2 >"$tmp/in"
run <"$tmp/in" "TLBI_S2_IPA TTL=2 removes the 2 MiB block entry" 0 "" \
	"violations=0 smmu.faults.permission=1"
block_trace 3 >"$tmp/in"
run <"$tmp/in" "TLBI_S2_IPA TTL=3 leaves it: stale-permission" 1 "" \
	"violations=1 check.violations.stale-permission=1"
# SVA does not move a nested domain's ASID (another VMID's space).
run "SVA leaves nested ASIDs alone" 0 "" \
	"violations=0 os.smmu.asid_moves=0 dev.access.ok=1 dev.access.failed=1" <<'EOF'
smmusim-trace 1
domain_create dom=1 stage=2 vmid=1
iommu_map dom=1 va=0x40000000 len=1G pa=0x40000000
domain_create dom=2 parent=1
attach sid=2 dom=2
iommu_map dom=2 va=0x10000 len=4K
dev_access sid=2 va=0x10000 op=r
mm_create mm=1
bind sid=5 ssid=1 mm=1
unbind sid=5 ssid=1
mm_exit mm=1
domain_create dom=3 parent=1
attach sid=3 dom=3
dev_access sid=3 va=0x10000 op=r
EOF
# Thousands of domains with chosen ids stay fast (a linear allocator).
{
	echo "smmusim-trace 1"
	i=1
	while [ $i -le 3000 ]; do
		echo "domain_create dom=$i"
		echo "domain_create dom=$((i + 100000)) stage=2"
		i=$((i + 1))
	done
} >"$tmp/in"
run <"$tmp/in" "6000 domains" 0 "" "violations=0"

# ATS: a re-attached stream's ATC is invalidated (arm_smmu_atc_inv_master);
# without it (fault injection) the ATC hit is judged against the new
# domain's table and is stale; the same for an SVA rebind.
cat >"$tmp/in" <<'EOF'
smmusim-trace 1
domain_create dom=10 asid=100
domain_create dom=11 asid=101
attach sid=0x23 dom=10
iommu_map dom=10 va=0x109000 len=16K prot=rw
dev_access sid=0x23 va=0x10b000 op=r
attach sid=0x23 dom=11
dev_access sid=0x23 va=0x10b000 op=w
EOF
run <"$tmp/in" "ATS: attach invalidates the device's ATC" 0 "--set dev.ats=on" \
	"violations=0 dev.access.ok=1 dev.access.failed=1 smmu.cmd.atc_inv=2"
run <"$tmp/in" "ATS: stale ATC entry of the old domain is caught" 1 \
	"--set dev.ats=on --set policy.smmu.skip_invalidation=on" \
	"violations=1 check.violations.stale-translation=1 smmu.atc.hits=1"
cat >"$tmp/in" <<'EOF'
smmusim-trace 1
mm_create mm=1
mm_create mm=2
mmap mm=1 va=0x400000 len=4K prot=rw
touch mm=1 va=0x400000 len=4K
bind sid=0x10 ssid=1 mm=1
dev_access sid=0x10 ssid=1 va=0x400000 op=r
unbind sid=0x10 ssid=1
bind sid=0x10 ssid=1 mm=2
dev_access sid=0x10 ssid=1 va=0x400000 op=w
EOF
run <"$tmp/in" "ATS: SVA rebind, ATC invalidated at unbind" 0 "--set dev.ats=on" \
	"violations=0 smmu.atc.hits=0"
run <"$tmp/in" "ATS: SVA rebind without invalidation: stale ATC entry" 1 \
	"--set dev.ats=on --set policy.smmu.skip_invalidation=on" \
	"violations=1 check.violations.stale-translation=1"

# Stall model (dev.fault_mode=stall): the perm-upgrade bug of issue 2 with
# a stall-capable platform device instead of PRI: 6.5 livelocks (every
# stalled write is resumed, re-faults on the cached read-only entry), 6.6
# resolves it; no page request is sent.
run <"$T/scenarios/perm-upgrade.trace" "stall: 6.5 perm-upgrade livelocks" 1 \
	"--policy linux-6.5 --set dev.fault_mode=stall" \
	"violations=1 check.violations.fault-livelock=1 smmu.pri.requests=0 smmu.stall.stalled=65 smmu.stall.resumed=64 smmu.stall.terminated=1 smmu.cmd.resume=65 dev.access.gave_up=1"
run <"$T/scenarios/perm-upgrade.trace" "stall: 6.6 resolves it" 0 \
	"--policy linux-6.6 --set dev.fault_mode=stall" \
	"violations=0 dev.access.ok=2 smmu.pri.requests=0 smmu.stall.stalled=2 smmu.stall.resumed=2"
# Slots: with one slot a second stalled fault at the same time is
# terminated; an unbound SSID's stall is aborted by the kernel.
cat >"$tmp/in" <<'EOF'
smmusim-trace 1
mm_create mm=1
mmap mm=1 va=0x400000 len=16K prot=rw
bind sid=1 ssid=1 mm=1
@100000 dev_access sid=1 ssid=1 va=0x400000 op=w
@100000 dev_access sid=1 ssid=1 va=0x401000 op=w
EOF
run <"$tmp/in" "stall: one slot, two concurrent faults" 0 \
	"--set dev.fault_mode=stall --set smmu.stall.slots=1" \
	"violations=0 dev.access.ok=1 dev.access.failed=1 smmu.stall.stalled=1 smmu.stall.no_slot=1 smmu.pri.requests=0"
run <"$tmp/in" "stall: enough slots" 0 "--set dev.fault_mode=stall" \
	"violations=0 dev.access.ok=2 smmu.stall.stalled=2 smmu.stall.no_slot=0"
cat >"$tmp/in" <<'EOF'
smmusim-trace 1
mm_create mm=1
mmap mm=1 va=0x400000 len=16K prot=rw
bind sid=1 ssid=1 mm=1 pri=off
dev_access sid=1 ssid=1 va=0x400000 op=w
EOF
run <"$tmp/in" "stall: pri=off makes CD.S = 0: the fault terminates" 0 \
	"--set dev.fault_mode=stall" \
	"dev.access.failed=1 smmu.stall.stalled=0 smmu.faults.translation=1"

# A stall ended by the trace's own STALL_TERM fails its access (the kernel's
# later RESUMEs match nothing).
run "stall: STALL_TERM from the trace ends the transactions" 0 \
	"--set dev.fault_mode=stall" \
	"dev.access.failed=3 dev.retries=0 smmu.stall.terminated=3 smmu.stall.unmatched_resumes=3" <<'EOF'
smmusim-trace 1
mm_create mm=1
mmap mm=1 va=0x400000 len=64K prot=rw
bind sid=1 ssid=1 mm=1
@100000 dev_access sid=1 ssid=1 va=0x400000 op=w
@100000 dev_access sid=1 ssid=1 va=0x401000 op=w
@100000 dev_access sid=1 ssid=1 va=0x402000 op=w
@100010 cmd op=stall_term sid=1
EOF
# ATS translation requests are answered, never stalled: a stall-mode
# device with ATS just fails its fault.
run "stall + ATS: a translation request does not stall" 0 \
	"--set dev.fault_mode=stall --set dev.ats=on" \
	"dev.access.failed=1 smmu.stall.stalled=0" <<'EOF'
smmusim-trace 1
mm_create mm=1
mmap mm=1 va=0x400000 len=64K prot=rw
bind sid=1 ssid=1 mm=1
dev_access sid=1 ssid=1 va=0x400000 op=w
EOF
# ATS: the device uses its ATC whatever the CD says; after an unbind
# without ATC_INV (fault injection) the use is stale.
cat >"$tmp/in" <<'EOF'
smmusim-trace 1
mm_create mm=1
mmap mm=1 va=0x400000 len=64K prot=rw
touch mm=1 va=0x400000 len=64K
mm_create mm=2
bind sid=0x20 ssid=1 mm=1
bind sid=0x20 ssid=2 mm=2
dev_access sid=0x20 ssid=1 va=0x400000 op=r
unbind sid=0x20 ssid=1
dev_access sid=0x20 ssid=1 va=0x400000 op=r
EOF
run <"$tmp/in" "ATS: unbind invalidates the ATC" 0 "--set dev.ats=on" \
	"violations=0 dev.access.failed=1 smmu.atc.invalidated=1"
run <"$tmp/in" "ATS: ATC use after unbind without ATC_INV is stale" 1 \
	"--set dev.ats=on --set policy.smmu.skip_invalidation=on" \
	"violations=1 check.violations.stale-translation=1 smmu.atc.hits=1"
# Device accesses still in flight when a replay stops on an error are
# freed (the sanitizer build's leak check runs this too).
run "error with accesses in flight: exit 2" 2 "--set dev.fault_mode=stall" "" <<'EOF'
smmusim-trace 1
mm_create mm=1
mmap mm=1 va=0x400000 len=64K prot=rw
bind sid=1 ssid=1 mm=1
@100000 dev_access sid=1 ssid=1 va=0x400000 op=w
@100001 munmap mm=9 va=0x400000 len=4K
EOF

# The bundled sample.
run <"$T/samples/nested.trace" "samples/nested.trace" 0 "" \
	"violations=0 dev.access.ok=3 dev.access.failed=3 smmu.faults.stage2=2 smmu.faults.permission=1 smmu.walks=5 smmu.walk.reads=48"

# Bad input names the line and the rule.
printf 'smmusim-trace 1\ndomain_create dom=1 stage=3\n' >"$tmp/in"
fails "stage=3" "" "t.trace:2:27: bad value for key 'stage'" <"$tmp/in"
printf 'smmusim-trace 1\ndomain_create dom=1\ndomain_create dom=2 parent=1\n' >"$tmp/in"
fails "parent must be stage 2" "" "nesting needs a stage=2 parent" <"$tmp/in"
printf 'smmusim-trace 1\ndomain_create dom=1 vmid=3\n' >"$tmp/in"
fails "vmid on a stage-1 domain" "" "vmid= is for stage=2 domains" <"$tmp/in"
printf 'smmusim-trace 1\ndomain_create dom=1 stage=2 asid=3\n' >"$tmp/in"
fails "asid on a stage-2 domain" "" "a stage=2 domain takes vmid=" <"$tmp/in"
printf 'smmusim-trace 1\ndomain_create dom=1 stage=2\niommu_map dom=1 va=0x200000 len=2M pa=0x40200000\niommu_unmap dom=1 va=0x200000 len=4K\n' >"$tmp/in"
fails "partial unmap of a 2 MiB block" "" "unmaps part of the 2 MiB block at 0x200000" <"$tmp/in"
printf 'smmusim-trace 1\ndomain_create dom=1 stage=2\niommu_map dom=1 va=0x200000 len=2M pa=0x40200000\niommu_map dom=1 va=0x201000 len=4K pa=0x40201000\n' >"$tmp/in"
fails "4K map inside a 2 MiB block" "" "overlaps a mapping of another size (a 2 MiB or 1 GiB block covers it)" <"$tmp/in"
printf 'smmusim-trace 1\ndomain_create dom=1 stage=2\nattach sid=1 dom=1\nmm_create mm=1\nbind sid=1 ssid=1 mm=1\n' >"$tmp/in"
fails "SVA on a stage-2 stream" "" "is attached to stage-2 dom=1; SVA needs a stage-1 stream" <"$tmp/in"
printf 'smmusim-trace 1\ndomain_create dom=1 stage=2\ndomain_create dom=2 parent=1\nattach sid=1 dom=2\nmm_create mm=1\nbind sid=1 ssid=1 mm=1\n' >"$tmp/in"
fails "SVA on a nested stream" "" "is attached to nested dom=2; SVA needs a stage-1 stream" <"$tmp/in"
printf 'smmusim-trace 1\nmm_create mm=1\nbind sid=1 ssid=3 mm=1\ndomain_create dom=1 stage=2\nattach sid=1 dom=1\n' >"$tmp/in"
fails "stage-2 attach over SVA bonds" "" "sid=0x1 has SVA bonds (ssid=3); a stage-2 domain needs them unbound first" <"$tmp/in"
printf 'smmusim-trace 1\ncmd op=cfgi_ste_range sid=0 range=0 leaf=1\n' >"$tmp/in"
fails "a cmd key its command has no field for" "" "t.trace:2:37: cfgi_ste_range has no field for key 'leaf' (its keys: op, sid, range)" <"$tmp/in"
printf 'smmusim-trace 1\ncmd op=tlbi_s2_ipa vmid=1 addr=0x10000000000000\n' >"$tmp/in"
fails "a cmd address beyond its field" "" "cmd: addr=0x10000000000000 is out of range for its command field (0x0..0xffffffffff000)" <"$tmp/in"

tap_done
