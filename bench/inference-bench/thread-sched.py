#!/usr/bin/env python3
# Per-thread CPU, run-queue wait and context switches of one process over an interval, from
# /proc/<pid>/task/*/schedstat and status (threads summed by name). Used to trace the inference
# bench (bench/inference-bench/README.md, stop 19): python3 thread-sched.py <pid> <seconds>
# Threads that start and end within the interval are not seen.
import sys, os, time, collections
pid=sys.argv[1]; secs=float(sys.argv[2])
def snap():
    d={}
    for tid in os.listdir(f'/proc/{pid}/task'):
        try:
            name=open(f'/proc/{pid}/task/{tid}/comm').read().strip()
            run,wait,slices=map(int,open(f'/proc/{pid}/task/{tid}/schedstat').read().split())
            st=open(f'/proc/{pid}/task/{tid}/status').read()
            vcs=int(st.split('voluntary_ctxt_switches:')[1].split()[0])
            nvcs=int(st.split('nonvoluntary_ctxt_switches:')[1].split()[0])
            d[tid]=(name,run,wait,slices,vcs,nvcs)
        except Exception: pass
    return d
a=snap(); time.sleep(secs); b=snap()
agg=collections.defaultdict(lambda:[0,0,0,0,0,0])
for tid,v in b.items():
    o=a.get(tid,(v[0],0,0,0,0,0))
    k=v[0]
    g=agg[k]; g[0]+=1
    for i in range(1,6): g[i]+=v[i]-o[i]
rows=sorted(agg.items(),key=lambda kv:-kv[1][1])
print(f"{'thread':32s} n  cpu_ms  rq_wait_ms  slices  vol_cs  invol_cs")
for k,g in rows:
    if g[1]==0 and g[2]==0: continue
    print(f"{k:32s} {g[0]:2d} {g[1]/1e6:8.1f} {g[2]/1e6:10.1f} {g[3]:7d} {g[4]:7d} {g[5]:7d}")
