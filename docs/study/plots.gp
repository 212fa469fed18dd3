# The plots of docs/study.md from the tables tools/study.sh wrote next to
# this file (run from this folder: `sh tools/study.sh --plot`, or
# `cd docs/study && gnuplot plots.gp`; `-e "presets='A B'"` when the
# tables hold other presets, as tools/study.sh --quick's do).  gnuplot 5; SVG, no time stamps,
# so the same tables give the same pictures.
set datafile separator comma
set terminal svg size 1200,760 dynamic font "sans,11" background "white"
set logscale xy 2
set format x "2^{%L}"
set format y "2^{%L}"
set xlabel "pages flushed"
set grid xtics ytics lc rgb "#dddddd"
set key top left font ",9" samplen 2
if (!exists("presets")) presets = "linux-6.1 linux-6.5 linux-6.6 linux-6.12 linux-6.15"
np = words(presets)
set style line 1 lc rgb "#1f77b4" lw 2 pt 7 ps 0.5
set style line 2 lc rgb "#2ca02c" lw 2 dt 2 pt 5 ps 0.5
set style line 3 lc rgb "#d62728" lw 2 pt 9 ps 0.5
set style line 4 lc rgb "#9467bd" lw 2 pt 11 ps 0.5
# sel(P, C, K): column K of the rows of preset P and config C, else no point
sel(P, C, K) = (strcol(1) eq P && strcol(2) eq C) ? column(K) : NaN
# panels(N): a 2 x 3 layout for N presets (one panel each)
rows = np > 3 ? 2 : 1
cols = np > 3 ? 3 : np

# CPU: columns 8 flush_cycles, 13 total_cycles
do for [m = 1:2] {
	set output (m == 1 ? "cpu-flush.svg" : "cpu-total.svg")
	K = (m == 1 ? 8 : 13)
	set multiplot layout rows, cols title (m == 1 ? \
	  "CPU: cycles of the flush on the issuing PE (mprotect of N pages)" : \
	  "CPU: flush + bystander cycles + 4 PEs touching their 64 hot pages again")
	set ylabel "cycles (assumed latencies)"
	do for [i = 1:np] {
		P = word(presets, i)
		set title P
		plot "cpu.csv" skip 1 using 3:(sel(P, "range", K)) with linespoints ls 1 title "range (FEAT\\_TLBIRANGE)", \
		     "" skip 1 using 3:(sel(P, "per-page", K)) with linespoints ls 3 title "per-page", \
		     "" skip 1 using 3:(sel(P, "asid", K)) with linespoints ls 4 title "ASID-wide", \
		     "" skip 1 using 3:(sel(P, "linux-norange", K)) with lines ls 2 title "Linux, no TLBIRANGE"
	}
	unset multiplot
}

# SMMU: columns 10 munmap_cycles, 13 total_cycles
do for [m = 1:2] {
	set output (m == 1 ? "smmu-munmap.svg" : "smmu-total.svg")
	K = (m == 1 ? 10 : 13)
	set multiplot layout rows, cols title (m == 1 ? \
	  "SMMU: cycles of an SVA munmap of N pages (CPU flush + SMMU invalidation)" : \
	  "SMMU: munmap + the device reading its 64 hot pages again")
	set ylabel "cycles (assumed latencies)"
	do for [i = 1:np] {
		P = word(presets, i)
		set title P
		plot "smmu.csv" skip 1 using 3:(sel(P, "ril", K)) with linespoints ls 1 title "RIL (range TLBI\\_NH\\_VA)", \
		     "" skip 1 using 3:(sel(P, "per-page", K)) with linespoints ls 3 title "per-page TLBI\\_NH\\_VA", \
		     "" skip 1 using 3:(sel(P, "asid", K)) with linespoints ls 4 title "TLBI\\_NH\\_ASID", \
		     "" skip 1 using 3:(sel(P, "linux-noril", K)) with lines ls 2 title "Linux, no RIL"
	}
	unset multiplot
}

# DMA: strict vs lazy, per capture: commands and CMD_SYNC wait cycles
set output "dma.svg"
set terminal svg size 1000,900 dynamic font "sans,11" background "white"
unset logscale x
set logscale y 10
set format y "10^{%L}"
set format x "%g"
unset xlabel
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set xtics rotate by -30 font ",9"
set bmargin 7
set key top right
set multiplot layout 2, 1 title "Strict vs lazy DMA unmaps on the real Linux captures"
set title "SMMU commands (TLBI + CMD\\_SYNC)"
set ylabel "commands"
plot "dma.csv" skip 1 using ($6 + $7 + $8):xtic(strcol(1) . " replayed " . strcol(3)) lc rgb "#1f77b4" notitle
set title "cycles the CPUs waited for CMD\\_SYNC"
set ylabel "cycles (assumed latencies)"
plot "dma.csv" skip 1 using 9:xtic(strcol(1) . " replayed " . strcol(3)) lc rgb "#d62728" notitle
unset multiplot
