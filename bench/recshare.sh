#!/bin/bash
# Recording share per catalogue scene at default size (backend auto): a run with default recording vs the same
# run recording only the start and the end (--every steps --metrics-every steps), whole `wgf run` processes.
# REPS interleaved pairs per scene, the order inside a pair alternating (default first, then ends-only first), so
# a slow phase of the machine falls on both sides. Per pair the share is (default − ends-only)/default, of wall time
# and of CPU time (user + sys, GNU time); printed: the median over the pairs and the interquartile range of the
# pairs' shares (the spread one pair shows), the median wall times, and the run's own account of its records
# (summary.json timing.records_seconds over wall_seconds; it counts the velocity passes a record hands to the next step).
# Every run writes a fresh directory (all removed at the end) and `sync` runs before each timed run: removing or
# flushing the previous run's frame files (150–500 files) otherwise lands in the next run's time (ext4 journal
# commits: 0.4–0.6 s stalls in the run's callbacks, measured in grid-fokker-planck's outputs time).
# Env: REPS (default 2), SCENES (default: every catalogue scene, `wgf list`), ROOT (the checkout to time, default
# this one), OUTDIR (scratch run directories, removed first and at the end), PAIRS (a file to which every pair is
# appended as one line: scene, then default's wall, CPU and own share, then ends-only's; for pooling rounds).
# Needs GNU time (/usr/bin/time).
cd "${ROOT:-$(dirname "$0")/..}"
REPS=${REPS:-2}
out=${OUTDIR:-/tmp/recshare-$$}; rm -rf $out; mkdir -p $out
trap 'rm -rf $out' EXIT
scenes=${SCENES:-$(node bin/wgf.mjs list --json | node -e "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>console.log(JSON.parse(s).map(x=>x.id).join(' ')))")}
timed() { # timed <tag> <args...>: one run into a fresh directory; prints "wall cpu own-records-share"
  # (called in a subshell: a counter would not survive, the clock names the directory)
  local dir=$out/$1-$(date +%s%N); shift
  sync
  /usr/bin/time -f "%e %U %S" -o $out/time node bin/wgf.mjs run "$@" --quiet --out $dir >/dev/null 2>$out/stderr || { echo "recshare: wgf run $* failed: $(tail -1 $out/stderr)" >&2; exit 1; }
  node -e "const [w,u,s]=require('fs').readFileSync('$out/time','utf8').trim().split('\n').pop().split(' ').map(Number);
const r=require('$dir/summary.json');console.log(w, (u+s).toFixed(2), (r.timing.records_seconds/r.wall_seconds).toFixed(3))"
}
for s in $scenes; do
  steps=$(node bin/wgf.mjs run $s --help-params 2>/dev/null | awk '$1=="steps"{print $2}')
  pairs=()
  for r in $(seq $REPS); do
    if ((r % 2)); then f=$(timed f $s); e=$(timed e $s --every $steps --metrics-every $steps)
    else e=$(timed e $s --every $steps --metrics-every $steps); f=$(timed f $s); fi
    pairs+=("$f $e")
    [ -n "${PAIRS:-}" ] && echo "$s $f $e" >> "$PAIRS"
  done
  every=$(node -e "const s=require('$(ls -d $out/f-* | tail -1)/scene.json');console.log(s.every+'/'+s.metrics_every)")
  printf '%s\n' "${pairs[@]}" | node -e "
const rows=require('fs').readFileSync(0,'utf8').trim().split('\n').map(l=>l.split(' ').map(Number));
const q=(a,p)=>{a=[...a].sort((x,y)=>x-y);const i=(a.length-1)*p,lo=Math.floor(i);return a[lo]+(a[Math.ceil(i)]-a[lo])*(i-lo)};
const pct=x=>(100*x).toFixed(1)+'%';
const wall=rows.map(([fw,,,ew])=>(fw-ew)/fw), cpu=rows.map(([,fc,,,ec])=>(fc-ec)/fc);
console.log('$s'.padEnd(30), 'steps=$steps every/metrics=$every'.padEnd(32), 'pairs', rows.length,
  'wall', q(rows.map(r=>r[0]),.5).toFixed(2)+'s/'+q(rows.map(r=>r[3]),.5).toFixed(2)+'s',
  'share', pct(q(wall,.5)), '[IQR', pct(q(wall,.25)), pct(q(wall,.75))+']',
  'cpu share', pct(q(cpu,.5)), '[IQR', pct(q(cpu,.25)), pct(q(cpu,.75))+']',
  'records (own)', pct(q(rows.map(r=>r[2]),.5)))"
done
uptime
