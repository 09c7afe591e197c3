"""The DeepI2I phase-2 step of bench/train_step/train_step.py under PyTorch DistributedDataParallel (Gloo on
loopback), WORLD processes x 1 thread, each with its own batch of BATCH; WORLD 1 runs without DDP. Prints JSON
with the median seconds per step (after warmup) of rank 0."""
import argparse, json, os, statistics, sys, time
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel as DDP

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'train_step'))
from train_step import G, D, Trunk, A  # noqa: E402


class GA(nn.Module):
    """G with its adaptor, so one DDP wrapper sees every parameter the G/A step trains."""
    def __init__(self, g, a):
        super().__init__()
        self.g, self.a = g, a

    def forward(self, z, y, feats):
        return self.g(z, self.g.shared(y), self.a(feats))


def run(rank, args, port, queue):
    torch.set_num_threads(1)
    if args.world > 1:
        dist.init_process_group('gloo', init_method=f'tcp://127.0.0.1:{port}', rank=rank, world_size=args.world)
    torch.manual_seed(0)
    g, d, e, ad = G(args.channels, args.classes), D(args.channels, args.classes), Trunk(args.channels), A(args.channels)
    for m in (g, d, e, ad): m.train()
    for q in e.parameters(): q.requires_grad_(False)
    ga = GA(g, ad)
    ddp_ga = DDP(ga) if args.world > 1 else ga
    ddp_d = DDP(d) if args.world > 1 else d
    opt = lambda ps, lr: torch.optim.Adam(ps, lr=lr, betas=(0, 0.999), eps=1e-6)
    og, od = opt(list(ga.parameters()), 1e-4), opt(d.parameters(), 4e-4)
    n = args.batch
    torch.manual_seed(rank + 1)
    x = torch.rand(n, 3, 32, 32) * 2 - 1
    y = torch.arange(n) % args.classes
    w = {8: 0.1, 4: 0.1}

    def step():
        yt = torch.randint(0, args.classes, (n,)); zd = torch.randn(n, 80); zg = torch.randn(n, 80)
        od.zero_grad(set_to_none=True)
        with torch.no_grad():
            fake = ga(zd, yt, e(x)[1])
        logits = ddp_d(torch.cat([fake, x]), torch.cat([yt, y]))[0]
        loss = F.relu(1 - logits[n:]).mean() + F.relu(1 + logits[:n]).mean()
        loss.backward(); od.step()
        for q in d.parameters(): q.requires_grad_(False)
        og.zero_grad(set_to_none=True)
        fake = ddp_ga(zg, yt, e(x)[1])
        logits, f = d(torch.cat([fake, x]), torch.cat([yt, y]))  # D frozen: no gradient sync needed
        loss = -logits[:n].mean() + sum(w[k] * F.mse_loss(f[k][:n], f[k][n:]) for k in (8, 4))
        loss.backward(); og.step()
        for q in d.parameters(): q.requires_grad_(True)

    times = []
    for i in range(args.warmup + args.iterations):
        t = time.perf_counter(); step(); times.append(time.perf_counter() - t)
    if rank == 0:
        queue.put(statistics.median(times[args.warmup:]))
    if args.world > 1:
        dist.destroy_process_group()


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--world', type=int, default=2); p.add_argument('--channels', type=int, default=16)
    p.add_argument('--batch', type=int, default=8); p.add_argument('--classes', type=int, default=3)
    p.add_argument('--warmup', type=int, default=3); p.add_argument('--iterations', type=int, default=12)
    p.add_argument('--port', type=int, default=29631)
    args = p.parse_args()
    ctx = mp.get_context('spawn')
    queue = ctx.Queue()
    if args.world == 1:
        run(0, args, args.port, queue)
    else:
        mp.spawn(run, args=(args, args.port, queue), nprocs=args.world, join=True)
    print(json.dumps({'impl': 'pytorch-ddp', 'world': args.world, 'batch_per_process': args.batch,
                      'seconds_per_step': queue.get()}))


if __name__ == '__main__':
    main()
