# Makes the optimizer-state fixtures of OptimizerImportTests with Debian's python3 torch 1.13:
#   /usr/bin/python3 make_fixtures.py
import torch, torch.nn as nn
torch.manual_seed(0)
# A small module whose parameter order (state-dict order minus buffers) the optimizer state follows.
m = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2, bias=False))
opt = torch.optim.Adam(m.parameters(), lr=1e-3, betas=(0.0, 0.999), eps=1e-6)
for _ in range(3):
    opt.zero_grad()
    m(torch.randn(5, 3)).pow(2).sum().backward()
    opt.step()
sd = opt.state_dict()
torch.save(sd, 'adam_zip.pth')
torch.save(sd, 'adam_legacy.pth', _use_new_zipfile_serialization=False)
# torch 1.0 style (BigGAN-PyTorch's G_optim.pth / D_optim.pth): an integer step.
old = {'state': {k: {'step': int(v['step']), 'exp_avg': v['exp_avg'], 'exp_avg_sq': v['exp_avg_sq']}
                 for k, v in sd['state'].items()},
       'param_groups': sd['param_groups']}
torch.save(old, 'adam_intstep_legacy.pth', _use_new_zipfile_serialization=False)
torch.save(m.state_dict(), 'module.pth')
# Expected moments per parameter name, and the step.
exp = {}
for i, (n, _) in enumerate(m.named_parameters()):
    exp[n + '.exp_avg'] = sd['state'][i]['exp_avg']
    exp[n + '.exp_avg_sq'] = sd['state'][i]['exp_avg_sq']
exp['step'] = torch.tensor([float(sd['state'][0]['step'])])
torch.save(exp, 'expected.pth')
print([n for n, _ in m.named_parameters()], sd['state'][0]['step'], list(m.state_dict().keys()))
