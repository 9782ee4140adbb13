#!/bin/bash
# Recording share per catalogue scene at default size (backend auto): a run with default recording vs the same
# run recording only the start and the end (--every steps --metrics-every steps). Interleaved, REPS each; medians.
# Env: REPS (default 2), SCENES (default: every catalogue scene, `wgf list`), ROOT (the checkout to time, default this one),
# OUTDIR (scratch run directories, removed first). Copied from the lead's notes/recshare.sh (issue #19).
cd "${ROOT:-$(dirname "$0")/..}"
REPS=${REPS:-2}
out=${OUTDIR:-/tmp/recshare-$$}; rm -rf $out; mkdir -p $out
scenes=${SCENES:-$(node bin/wgf.mjs list --json | node -e "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>console.log(JSON.parse(s).map(x=>x.id).join(' ')))")}
for s in $scenes; do
  steps=$(node bin/wgf.mjs run $s --help-params 2>/dev/null | awk '$1=="steps"{print $2}')
  full=(); ends=(); rec=()
  for r in $(seq $REPS); do
    rm -rf $out/f $out/e
    t0=$(date +%s.%N); node bin/wgf.mjs run $s --quiet --out $out/f >/dev/null 2>&1; t1=$(date +%s.%N)
    node bin/wgf.mjs run $s --quiet --every $steps --metrics-every $steps --out $out/e >/dev/null 2>&1; t2=$(date +%s.%N)
    full+=($(echo "$t1 - $t0" | bc)); ends+=($(echo "$t2 - $t1" | bc))
    rec+=($(node -e "const s=require('$out/f/summary.json');console.log((s.timing.records_seconds/s.wall_seconds).toFixed(3))"))
  done
  every=$(node -e "const s=require('$out/f/scene.json');console.log(s.every+'/'+s.metrics_every)")
  node -e "
const med=a=>{a=a.map(Number).sort((x,y)=>x-y);return a[a.length>>1]};
const f=med('${full[*]}'.split(' ')), e=med('${ends[*]}'.split(' ')), r=med('${rec[*]}'.split(' '));
console.log('$s'.padEnd(20), 'steps=$steps every/metrics=$every'.padEnd(34), 'full', f.toFixed(2)+'s', 'ends-only', e.toFixed(2)+'s', 'share', (100*Math.max(0,(f-e)/f)).toFixed(1)+'%', 'records_share(own)', (100*r).toFixed(1)+'%')"
done
uptime
