# The derived tables of docs/study.md, from the raw sweep tables that
# tools/study.sh makes (POSIX awk; mawk and gawk both run it).
#
#   awk -v what=cpu  -v T0=C -v sizes="1 2 ..." -v presets="..." -f THIS RAW.csv...
#   awk -v what=smmu -v T0=C -v sizes="1 2 ..." -v presets="..." -f THIS RAW.csv...
#   awk -v what=dma  -f THIS RAW.csv...
#   awk -v what=crossovers -v side=cpu|smmu -v presets="..." [-v header=0] -f THIS cpu.csv|smmu.csv
#
# cpu and smmu pair each size's `flush` trace (which ends with the flush
# at cycle T0) and `refill` trace (the same, then the hot set touched
# again): the flush trace's cycles - T0 is the mprotect/munmap's duration,
# the refill trace's extra cycles and walks are what touching the hot set
# again cost after that flush.  Raw columns are found by name, so a sweep
# that adds columns does not move them.  No field of these tables holds a
# comma (the traces and specs are named by tools/study.sh), which this
# script checks rather than parsing CSV quotes.

BEGIN {
	FS = ","
	if (what == "cpu")
		configs = "range linux-norange per-page asid"
	else if (what == "smmu")
		configs = "ril linux-noril per-page asid"
	if (what == "cpu" || what == "smmu" || what == "crossovers") {
		nsizes = split(sizes, size, " ")
		npresets = split(presets, preset, " ")
		nconfigs = split(configs, config, " ")
	}
}

function fail(msg) {
	printf "study-tables.awk: %s:%d: %s\n", FILENAME, FNR, msg > "/dev/stderr"
	failed = 1
	exit 1
}

# col(NAME): the value of column NAME in the current row.
function col(name) {
	if (!(name in ix))
		fail("no column " name)
	return $(ix[name])
}

# sum(RE): the sum of every column whose name matches RE.
function sum(re,    i, s) {
	s = 0
	for (i = 1; i <= nhead; i++)
		if (head[i] ~ re)
			s += $i
	return s
}

FNR == 1 {
	nhead = NF
	for (k in ix)
		delete ix[k]
	for (i = 1; i <= NF; i++) {
		head[i] = $i
		ix[$i] = i
	}
	if (what == "crossovers" && header != "0")
		print "side,preset,measure,cheaper,than,first_cheaper,cheaper_from," \
		    "not_cheaper_at,interpolated"
	next
}

NF != nhead { fail("expected " nhead " fields, found " NF) }

# A raw row: its trace name says side, pages and kind.
what == "cpu" || what == "smmu" {
	t = col("trace")
	sub(/^traces\//, "", t)
	sub(/\.trace$/, "", t)
	n = split(t, part, "-")
	if (n != 3 || part[1] != what)
		fail("trace " col("trace") " is not a " what " trace")
	if (col("violations_total") != 0 || col("refused_events") != 0)
		fail(col("point") ": violations or refused events")
	k = col("policy") SUBSEP col("config") SUBSEP part[2] SUBSEP part[3]
	seen[k] = 1
	cycles[k] = col("cycles")
	if (what == "cpu") {
		walks[k] = col("cpu.walks")
		tlbi_page[k] = sum("^cpu\\.tlbi\\.issued\\.val?e1(is)?$")
		tlbi_range[k] = sum("^cpu\\.tlbi\\.issued\\.rval?e1(is)?$")
		tlbi_asid[k] = sum("^cpu\\.tlbi\\.issued\\.aside1(is)?$")
		# VAA, VAAL and VMALL forms: no flush of a user range uses them
		tlbi_other[k] = sum("^cpu\\.tlbi\\.issued\\.(r?vaal?e1|vmalle1)")
		dsb[k] = col("cpu.dsb.ish")
		flush[k] = col("os.flush.flush_tlb_range.cycles") + \
		    col("os.flush.flush_tlb_mm.cycles")
		bystander[k] = col("cpu.bystander_cycles")
	} else {
		walks[k] = col("smmu.walks")
		nh_va[k] = col("smmu.cmd.tlbi_nh_va")
		nh_asid[k] = col("smmu.cmd.tlbi_nh_asid")
		sync[k] = col("smmu.cmd.sync")
		sync_wait[k] = col("smmu.sync.wait_cycles.sum")
		inval[k] = col("smmu.iotlb.invalidated")
		bystander[k] = col("cpu.bystander_cycles")
	}
	next
}

what == "dma" {
	t = col("trace")
	sub(/^traces\//, "", t)
	sub(/\.trace$/, "", t)
	if (!dma_header++)
		print "capture,preset,mode,dma_unmaps,strict_syncs,tlbi_nh_va," \
		    "tlbi_nh_asid,cmd_sync,sync_wait_cycles,fq_flush_timer," \
		    "fq_flush_full,iotlb_hits,iotlb_misses,tolerated_in_window," \
		    "violations"
	print t "," col("policy") "," col("policy.dma.mode") "," \
	    col("os.dma.unmap") "," col("os.dma.strict_syncs") "," \
	    col("smmu.cmd.tlbi_nh_va") "," col("smmu.cmd.tlbi_nh_asid") "," \
	    col("smmu.cmd.sync") "," col("smmu.sync.wait_cycles.sum") "," \
	    col("os.dma.fq.flush_timer") "," col("os.dma.fq.flush_full") "," \
	    col("smmu.iotlb.hits") "," col("smmu.iotlb.misses") "," \
	    col("check.tolerated_in_window") "," col("violations_total")
	next
}

# crossovers: remember every cost of cpu.csv / smmu.csv.
what == "crossovers" {
	k = col("preset") SUBSEP col("config") SUBSEP col("pages")
	if (side == "cpu")
		cost["flush" SUBSEP k] = col("flush_cycles")
	else
		cost["flush" SUBSEP k] = col("munmap_cycles")
	cost["total" SUBSEP k] = col("total_cycles")
	if (!(col("pages") in pages_seen)) {
		pages_seen[col("pages")] = 1
		npages++
		pages_list[npages] = col("pages")
	}
	next
}

# crossing(MEASURE, PRESET, A, B): one row of crossovers.csv.
# first_cheaper: the smallest size at which A costs less than B;
# cheaper_from: the smallest size at which A costs less than B and from
# which it never costs more (the two may meet again where Linux itself
# switches to the same flush); not_cheaper_at: the size of the grid just
# below it, where A cost as much or more (the crossover lies between the
# two); interpolated: where the straight lines through the two costs at
# those two sizes cross, when B flushes page by page there (its cost is
# linear in the pages; "-" for range flushes, whose cost is a step).  "never" when A is never
# cheaper; "-" when it is cheaper from the first size.
function crossing(m, p, a, b,    i, ca, cb, first, from, below, d, d0, x) {
	first = "never"
	from = "never"
	below = "-"
	x = "-"
	for (i = 1; i <= npages; i++) {
		ca = cost[m, p, a, pages_list[i]]
		cb = cost[m, p, b, pages_list[i]]
		if (ca == "" || cb == "")
			return
		if (ca + 0 < cb + 0) {
			if (first == "never")
				first = pages_list[i]
			if (from == "never") {
				from = pages_list[i]
				below = i > 1 ? pages_list[i - 1] : "-"
				x = "-"
				if (i > 1 && b ~ /per-page|linux-no/) {
					d0 = cost[m, p, a, below] - cost[m, p, b, below]
					d = ca - cb
					x = sprintf("%.1f", below + (from - below) * \
					    d0 / (d0 - d))
				}
			}
		} else if (ca + 0 > cb + 0) {
			from = "never"
			below = "-"
			x = "-"
		}
	}
	print side "," p "," m "," a "," b "," first "," from "," below "," x
}

END {
	if (failed)
		exit 1
	if (what == "crossovers") {
		if (side == "cpu")
			pairs = "asid:per-page asid:range asid:linux-norange range:per-page"
		else
			pairs = "asid:per-page asid:ril asid:linux-noril ril:per-page"
		np = split(pairs, pair, " ")
		for (ip = 1; ip <= npresets; ip++)
			for (m = 1; m <= 2; m++)
				for (j = 1; j <= np; j++) {
					split(pair[j], ab, ":")
					crossing(m == 1 ? "flush" : "total",
					    preset[ip], ab[1], ab[2])
				}
		exit 0
	}
	if (what != "cpu" && what != "smmu")
		exit 0
	if (what == "cpu")
		print "preset,config,pages,tlbi_page,tlbi_range,tlbi_asid,dsb_ish," \
		    "flush_cycles,bystander_cycles,mprotect_cycles,refill_walks," \
		    "retouch_cycles,total_cycles"
	else
		print "preset,config,pages,tlbi_nh_va,tlbi_nh_asid,cmd_sync," \
		    "sync_wait_cycles,iotlb_invalidated,bystander_cycles," \
		    "munmap_cycles,refill_walks,retouch_cycles,total_cycles"
	for (ip = 1; ip <= npresets; ip++)
		for (ic = 1; ic <= nconfigs; ic++)
			for (is = 1; is <= nsizes; is++) {
				p = preset[ip]
				c = config[ic]
				n = size[is]
				f = p SUBSEP c SUBSEP n SUBSEP "flush"
				r = p SUBSEP c SUBSEP n SUBSEP "refill"
				if (!(f in seen) || !(r in seen)) {
					printf "study-tables.awk: no %s/%s run of %s, %s, " \
					    "%s pages\n", "flush", "refill", p, c, n \
					    > "/dev/stderr"
					exit 1
				}
				op = cycles[f] - T0
				retouch = cycles[r] - cycles[f]
				if (what == "cpu") {
					if (tlbi_other[f] || dsb[f] != 1) {
						printf "study-tables.awk: %s, %s, %s " \
						    "pages: not one flush of a user " \
						    "range\n", p, c, n > "/dev/stderr"
						exit 1
					}
					printf "%s,%s,%s,%.0f,%.0f,%.0f,%.0f,%.0f,%.0f,%.0f," \
					    "%.0f,%.0f,%.0f\n", p, c, n, tlbi_page[f],
					    tlbi_range[f], tlbi_asid[f], dsb[f],
					    flush[f], bystander[f], op,
					    walks[r] - walks[f], retouch,
					    flush[f] + bystander[f] + retouch
				} else {
					printf "%s,%s,%s,%.0f,%.0f,%.0f,%.0f,%.0f,%.0f,%.0f," \
					    "%.0f,%.0f,%.0f\n", p, c, n, nh_va[f],
					    nh_asid[f], sync[f], sync_wait[f],
					    inval[f], bystander[f], op,
					    walks[r] - walks[f], retouch, op + retouch
				}
			}
}
