# Sourced by the ingest benchmarks: builds their input, one COIN-M aggTrades day of ~2.1 M rows.
#
#   make_aggtrades_day <fixture zip> <csv out>
#
# With the fixture day (futures/cm/daily/aggTrades/BTCUSD_PERP/BTCUSD_PERP-aggTrades-2026-05-08,
# 105,280 rows) it repeats it 20 times: copy k gets its ids shifted by k * (id span) and its times
# squeezed into the k-th twentieth of the same UTC day, so the result is still a valid day (unique
# increasing ids, non-decreasing times, all within 2026-05-08; ~134 MB CSV). Without it, it
# generates a day of the same size and shape. Sets AGGTRADES_INPUT to a description of which.
make_aggtrades_day() {
  local src_zip="$1" csv="$2"
  if [ -f "$src_zip" ]; then
    AGGTRADES_INPUT="fixture day repeated 20 times"
    unzip -p "$src_zip" | awk -F, -v OFS=, -v copies=20 '
      NR == 1 { header = $0; next }
      { n++; id[n] = $1; rest[n] = $2 FS $3; fid[n] = $4; lid[n] = $5; t[n] = $6; m[n] = $7
        if (n == 1 || $1 < minid) minid = $1; if (n == 1 || $1 > maxid) maxid = $1
        if (n == 1 || $4 < minf) minf = $4; if (n == 1 || $5 > maxl) maxl = $5 }
      END {
        print header
        day = 86400000; d0 = int(t[1] / day) * day
        idspan = maxid - minid + 1; tspan = maxl - minf + 1
        for (k = 0; k < copies; k++)
          for (i = 1; i <= n; i++) {
            nt = d0 + int((t[i] - d0 + k * day) / copies)
            printf "%.0f,%s,%.0f,%.0f,%.0f,%s\n", id[i] + k * idspan, rest[i], fid[i] + k * tspan, lid[i] + k * tspan, nt, m[i]
          }
      }' > "$csv"
  else
    AGGTRADES_INPUT="generated day (fixture not found at $src_zip)"
    local t0=$(( $(date -u -d 2026-05-08 +%s) * 1000 ))
    awk -v n=2105600 -v t0="$t0" 'BEGIN {
        print "agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,is_buyer_maker"
        srand(11); p = 80000; id = 1164000000; ft = 2200000000
        for (i = 1; i <= n; i++) {
          p += (rand() - 0.5) * 3; if (p < 1) p = 1
          k = 1 + int(rand() * rand() * 6)
          printf "%d,%.1f,%d,%d,%d,%d,%s\n", id + i, p, 1 + int(rand() * rand() * 200), ft, ft + k - 1,
                 t0 + int(i * (86399000 / n)), (rand() < 0.5 ? "true" : "false")
          ft += k
        }
      }' > "$csv"
  fi
}
