#!/usr/bin/env python3
"""Writes docs/reproduction.md from scripts/reproduce.sh's study record (issue #15).

One table per claim of the paper: what the paper says, what we measure (mean over training seeds, with
the seeds and their spread max - min), and whether it agrees. A difference smaller than the larger
spread of the two variants compared is a tie; with a single seed there is no spread and the verdict is
marked "1 seed". Runs that have not finished are listed as pending. Sample sheets and t-SNE plots are
linked where they lie under docs/reproduction/ (the study record in git) and copied there otherwise.
Standard library only.

usage: scripts/reproduction_report.py RECORD_DIR docs/reproduction.md [--work WORK_DIR] [--no-images]
RECORD_DIR has a work folder's layout (eval/NAME-sSEED/metrics.json, NAME-sSEED/samples/, gan/, classifier/,
tsne/): reproduce.sh's STORE, or a work folder itself. --work: the work folder whose unfinished runs the
status lists. --no-images: no sample sheets or t-SNE map, e.g. for a pipeline test whose images are noise.
"""
import csv
import glob
import json
import math
import os
import re
import shutil
import subprocess
import sys

METRICS = [("mFID", "mFID", -1), ("mKID", "mKID", -1), ("RC", "RC", 1), ("FC", "FC", 1), ("mask-IoU", "mask-IoU", 1)]


def load(work):
    """{run name: {seed: summary dict}} from eval/NAME-sSEED/metrics.json."""
    runs = {}
    for path in sorted(glob.glob(os.path.join(work, "eval", "*", "metrics.json"))):
        m = re.match(r"(.+)-s(\d+)$", os.path.basename(os.path.dirname(path)))
        if not m:
            continue
        with open(path) as f:
            summary = json.load(f).get("summary", {})
        runs.setdefault(m.group(1), {})[int(m.group(2))] = summary
    return runs


class Stat:
    def __init__(self, values, seeds):
        self.values, self.seeds = values, seeds
        self.mean = sum(values) / len(values) if values else float("nan")
        self.spread = (max(values) - min(values)) if len(values) > 1 else None

    def text(self, fmt):
        if not self.values:
            return "pending"
        s = fmt % self.mean
        if self.spread is not None:
            s += " ± " + (fmt % (self.spread / 2)).strip()
        return s


def stat(runs, name, metric):
    per_seed = runs.get(name, {})
    seeds = sorted(s for s in per_seed if metric in per_seed[s])
    return Stat([per_seed[s][metric] for s in seeds], seeds)


def fmt_for(metric):
    return {"mFID": "%.1f", "mKID": "%.3f", "RC": "%.1f%%", "FC": "%.1f%%", "mask-IoU": "%.3f"}[metric]


def scaled(runs):
    """RC and FC in percent."""
    out = {}
    for name, seeds in runs.items():
        out[name] = {}
        for s, summary in seeds.items():
            d = dict(summary)
            for k in ("RC", "FC"):
                if k in d:
                    d[k] = 100 * d[k]
            out[name][s] = d
    return out


def compare(a, b, sign):
    """'better', 'worse', 'tie' or a reason, for variant a against b (sign -1: lower is better)."""
    if not a.values or not b.values:
        return None
    diff = (a.mean - b.mean) * sign
    spreads = [x.spread for x in (a, b) if x.spread is not None]
    noise = max(spreads) if spreads else None
    if noise is None:
        return ("better" if diff > 0 else "worse" if diff < 0 else "tie") + " (1 seed, no spread)"
    if abs(diff) <= noise:
        return "tie"
    return "better" if diff > 0 else "worse"


def verdict(expected, got, table=True):
    """'yes', 'no', 'tie' or 'pending'; TABLE spells the section tables' cell (tie explained, no in bold)."""
    if got is None:
        return "pending"
    base = got.split(" ")[0]
    if base == "tie":
        return "tie (within the seeds' spread)" if table else "tie"
    no = "**no**" if table else "no"
    note = " (1 seed)" if "1 seed" in got else ""
    return ("yes" if base == expected else no) + note


def metric_table(runs, rows, metrics=("mFID", "mKID", "RC", "FC", "mask-IoU")):
    head = "| variant | paper mFID | seeds | " + " | ".join(metrics) + " |\n"
    head += "|---|---|---|" + "---|" * len(metrics) + "\n"
    body = ""
    for name, label, paper in rows:
        seeds = sorted(runs.get(name, {}).keys())
        cells = [stat(runs, name, m).text(fmt_for(m)) for m in metrics]
        body += f"| {label} (`{name}`) | {paper} | {','.join(map(str, seeds)) or '-'} | " + " | ".join(cells) + " |\n"
    return head + body


def plot(runs, rows, metrics, png, title):
    """One gnuplot PNG per section: a panel per metric, a bar per variant at its mean over seeds, the seeds'
    range as an error bar and each seed as a point. Returns False (and draws nothing) when gnuplot is missing
    or no variant has finished."""
    names = [(name, label) for name, label, _ in rows]
    if not any(runs.get(name) for name, _ in names) or not shutil.which("gnuplot"):
        return False
    script = f"set terminal pngcairo size {380 * len(metrics) + 60},420 font ',10'\nset output '{png}'\n"
    script += f"set multiplot layout 1,{len(metrics)} title \"{title}\"\n"
    script += "set style fill solid 0.45 border -1\nset boxwidth 0.6\nset xtics rotate by -35 font ',9'\nset grid y\nset bmargin 5\n"
    script += f"set xrange [-0.6:{len(names) - 0.4}]\n"
    for metric in metrics:
        better = "lower" if dict((m, s) for m, _, s in METRICS)[metric] < 0 else "higher"
        means, seeds = [], []
        for i, (name, _) in enumerate(names):
            st = stat(runs, name, metric)
            label = f'"{name}"'
            if st.values:
                means.append(f"{i} {st.mean} {label} {min(st.values)} {max(st.values)}")
                seeds += [f"{i} {v}" for v in st.values]
            else:
                means.append(f"{i} NaN {label} NaN NaN")
        script += f"$m << EOD\n" + "\n".join(means) + "\nEOD\n"
        script += f"$s << EOD\n" + ("\n".join(seeds) or "0 NaN") + "\nEOD\n"
        script += f"set title '{metric} ({better} is better)'\nset yrange [0:*]\n"
        script += ("plot $m using 1:2:xtic(3) with boxes lc rgb '#1f77b4' notitle, "
                   "$m using 1:2:4:5 with yerrorbars pt -1 lc rgb 'black' notitle, "
                   "$s using 1:2 with points pt 7 ps 0.6 lc rgb '#d62728' notitle\n")
    script += "unset multiplot\n"
    result = subprocess.run(["gnuplot"], input=script, text=True, capture_output=True)
    if result.returncode != 0:
        print(f"gnuplot failed for {png}: {result.stderr.strip()}", file=sys.stderr)
        return False
    return True


def plot_section(runs, docs_dir, images, slug, rows, metrics, title):
    """The section's plot in docs/reproduction/, as a Markdown image line ('' when none was drawn)."""
    if not images:
        return ""
    png = os.path.join(docs_dir, f"plot-{slug}.png")
    if not plot(runs, rows, metrics, png, title):
        return ""
    return f"![{title}](reproduction/plot-{slug}.png)\n\n(bars: mean over seeds; error bars: the seeds' range; red points: the seeds)\n\n"


def claims_table(runs, claims, glance, section):
    """The section's claims table; each claim's verdicts are also collected into GLANCE (section, claim, verdicts)
    for the summary at the top. A row with an empty claim text adds a comparison to the claim above it."""
    out = "| claim | paper says | we measure (mean ± half the seeds' range) | agrees? |\n|---|---|---|---|\n"
    for text, paper, a, b, metric, expected in claims:
        sa, sb = stat(runs, a, metric), stat(runs, b, metric)
        got = compare(sa, sb, dict((m, s) for m, _, s in METRICS)[metric])
        f = fmt_for(metric)
        measured = f"{metric}: {a} {sa.text(f)} vs {b} {sb.text(f)}" if got else "pending"
        out += f"| {text} | {paper} | {measured} | {verdict(expected, got)} |\n"
        if text or not glance:
            glance.append((section, text, []))
        glance[-1][2].append(f"{a} vs {b} ({metric}): {verdict(expected, got, table=False)}")
    return out


def glance_table(glance):
    """One row per claim: its comparisons and their verdicts."""
    out = "## At a glance\n\n| section | claim | comparisons: agrees with the paper? |\n|---|---|---|\n"
    for section, text, verdicts in glance:
        out += f"| {section} | {text} | {'; '.join(verdicts)} |\n"
    return out + ("\nyes: the paper's direction, beyond the seeds' spread; tie: within it; no: the opposite direction. "
                  "Each section below has the numbers; the notes (\"What has run so far\") have the reasons.\n\n")


def image(src, docs_dir, name):
    """The markdown path of an image: itself when it lies under docs_dir, else a copy named NAME there."""
    rel = os.path.relpath(os.path.abspath(src), os.path.abspath(docs_dir))
    if not rel.startswith(".."):
        return f"{os.path.basename(docs_dir)}/{rel}"
    shutil.copyfile(src, os.path.join(docs_dir, name))
    return f"{os.path.basename(docs_dir)}/{name}"


def tsne_section(work, docs_dir, images=True):
    path = os.path.join(work, "tsne", "tsne.json")
    if not os.path.exists(path):
        return "Pending (stage `tsne`).\n"
    with open(path) as f:
        report = json.load(f)
    points = report["points"]
    # How much the map groups translations by their input's class: the share of each point's 10 nearest
    # neighbours in the map that share its input class, against the share expected by chance.
    xy = [(p["x"], p["y"]) for p in points]
    labels = [p["inputClass"] for p in points]
    n, k = len(points), min(10, len(points) - 1)
    same = 0
    for i in range(n):
        d = sorted(((xy[i][0] - xy[j][0]) ** 2 + (xy[i][1] - xy[j][1]) ** 2, j) for j in range(n) if j != i)
        same += sum(labels[j] == labels[i] for _, j in d[:k])
    counts = {}
    for c in labels:
        counts[c] = counts.get(c, 0) + 1
    chance = sum(c * (c - 1) for c in counts.values()) / (n * (n - 1))
    links = {}
    for name in ("tsne.png", "tsne-map.png") if images else ("tsne.png",):
        src = os.path.join(work, "tsne", name)
        if os.path.exists(src):
            links[name] = image(src, docs_dir, name)
    figure_map = (f"![t-SNE map of input / translation pairs]({links['tsne-map.png']})\n" if "tsne-map.png" in links
                  else "The map of input / translation pairs (`tsne-map.png`) stays in the work folder.\n")
    figure = f"![t-SNE by input class]({links['tsne.png']})\n\n" if "tsne.png" in links else ""
    opts = report["options"]
    return (f"{n} translations into '{report['targetClass']}' ({report['features']}, PCA {opts['tsne']['pcaDimensions']}, "
            f"perplexity {opts['tsne']['perplexity']}, {opts['tsne']['iterations']} iterations, KL {report['divergence']:.3f}).\n\n"
            f"| paper says | we measure | agrees? |\n|---|---|---|\n"
            f"| inputs with similar pose lie close together in the t-SNE of the translations (Fig. 19) | "
            f"{100 * same / (n * k):.1f}% of each point's {k} nearest neighbours share its input's class (chance {100 * chance:.1f}%); "
            f"Animal-MNIST has no pose labels | {'yes (by input class)' if same / (n * k) > 1.5 * chance else '**no**'} |\n\n"
            + figure + figure_map)


def sheets(work, docs_dir, names):
    out = []
    for name in names:
        seeds = sorted(glob.glob(os.path.join(work, f"{name}-s*")))
        if not seeds:
            continue
        pngs = sorted(glob.glob(os.path.join(seeds[0], "samples", "iter-*.png")))
        if not pngs:
            continue
        it = int(re.search(r"iter-(\d+)", pngs[-1]).group(1))
        out.append(f"`{name}` ({os.path.basename(seeds[0])}, iteration {it}): ![{name}]({image(pngs[-1], docs_dir, name + '.png')})")
    return "\n\n".join(out) + "\n" if out else "No sample sheets yet.\n"


def source_gan_sheet(work, docs_dir):
    """The source GAN's newest sample sheet (rows: Fashion-MNIST classes), copied to docs/reproduction/."""
    pngs = sorted(glob.glob(os.path.join(work, "gan", "samples", "iter-*.png")))
    if not pngs:
        return ""
    it = int(re.search(r"iter-(\d+)", pngs[-1]).group(1))
    return (f"The source GAN at iteration {it} (G_ema; one row per Fashion-MNIST class, T-shirt/top ... ankle boot):\n\n"
            f"![source GAN]({image(pngs[-1], docs_dir, 'source-gan.png')})\n\n")


def status(record, runs, work):
    budget = open(os.path.join(record, "budget.txt")).read().strip() if os.path.exists(os.path.join(record, "budget.txt")) else "?"
    where = f"Study record `{record}`" + (f", work folder `{work}`" if work != record else "")
    lines = [f"{where}, budget `{budget}`.", ""]
    # Prerequisites: the source GAN (gan/gan.json is written when it finishes) and the RC classifier.
    for name, marker in (("source GAN", "gan/gan.json"), ("classifier", "classifier/classifier.json")):
        folder = os.path.join(work, os.path.dirname(marker))
        if os.path.exists(os.path.join(record, marker)):
            state = "finished"
        elif os.path.isdir(folder):
            ckpts = sorted(glob.glob(os.path.join(folder, "checkpoints", "*")))
            state = f"started, last checkpoint {os.path.basename(ckpts[-1]) if ckpts else 'none yet'}"
        else:
            state = "not started"
        lines.append(f"{name[0].upper() + name[1:]}: {state}.")
    lines.append("")
    done = sorted(os.path.basename(os.path.dirname(p)) for p in glob.glob(os.path.join(record, "eval", "*-s[0-9]*", "metrics.json")))
    partial = []
    for d in sorted(glob.glob(os.path.join(work, "*-s[0-9]*"))):
        name = os.path.basename(d)
        if name not in done:
            ckpts = sorted(glob.glob(os.path.join(d, "checkpoints", "*")))
            partial.append(f"{name} ({os.path.basename(ckpts[-1]) if ckpts else 'no checkpoint'})")
    lines.append(f"Finished and evaluated: {', '.join(done) or 'none'}.")
    lines.append(f"Started, not finished: {', '.join(partial) or 'none'}.")
    return "\n".join(lines) + "\n"


def main():
    args = [a for a in sys.argv[1:] if a != "--no-images"]
    images = "--no-images" not in sys.argv
    work = None
    if "--work" in args:
        i = args.index("--work")
        work = args[i + 1]
        del args[i:i + 2]
    record, out = args[0], args[1]
    work = work or record
    docs_dir = os.path.join(os.path.dirname(out), "reproduction")
    os.makedirs(docs_dir, exist_ok=True)
    runs = scaled(load(record))
    prose_path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "reproduction_notes.md")
    notes = open(prose_path).read() if os.path.exists(prose_path) else ""

    glance = []
    top = "# Reproducing the paper's ablations at small scale\n\n"
    top += "Generated by `scripts/reproduction_report.py` from `scripts/reproduce.sh`'s results; the notes come from " \
          "`scripts/reproduction_notes.md`. Do not edit this file by hand.\n\n"
    md = notes + "\n## Status\n\n" + status(record, runs, work) + "\n"
    md += source_gan_sheet(record, docs_dir) if images else ""
    md += ("Cells: mean over the training seeds listed ± half their range (max - min). A difference smaller than the "
           "larger range of the two variants is reported as a tie; with one seed there is no range and the verdict "
           "says so. mFID/mKID use EfficientNet-Lite0 features, not the paper's Inception, so only directions "
           "compare with the paper.\n\n")

    md += "## 1. Adaptor and fusion levels (Figure 3)\n\n"
    md += ("The paper fuses 4 levels at 128 px (ResBlocks 3-6: widths 32, 16, 8, 4); at 64 px we have widths 16, 8, 4, "
           "i.e. the paper's w-4, w-5, w-6.\n\n")
    rows = [("full", "DeepI2I, all levels", "68.4"), ("noadaptor", "†DeepI2I, no adaptor", "92.0"),
            ("w16", "width 16 only (paper w-4)", "150.8"), ("w8", "width 8 only (paper w-5)", "156.4"),
            ("w4", "width 4 only (paper w-6)", "198.5")]
    md += metric_table(runs, rows) + "\n"
    md += plot_section(runs, docs_dir, images, "adaptor", rows, ["mFID", "RC", "mask-IoU"], "Adaptor and fusion levels")
    md += claims_table(runs, [
        ("adaptor helps", "full 68.4 < no adaptor 92.0", "full", "noadaptor", "mFID", "better"),
        ("all levels beat any single one", "68.4 < 150.8 (best single)", "full", "w16", "mFID", "better"),
        ("", "", "full", "w8", "mFID", "better"),
        ("", "", "full", "w4", "mFID", "better"),
        ("no adaptor beats single levels", "92.0 < 150.8", "noadaptor", "w16", "mFID", "better"),
        ("deepest level alone is worst", "w-6 198.5 > w-4 150.8", "w16", "w4", "mFID", "better"),
    ], glance, "1. adaptor and levels") + "\n"

    md += "## 2. Partial transfer (Figure 6 left, Table 3)\n\n"
    md += ("`t-XY`: networks X, Y transferred from the source GAN, the others random (same seed, same architecture); "
           "`t-none` is the scratch baseline with the same architecture, `full` transfers E, G and D. A non-transferred "
           "encoder trains (a frozen random one would feed noise).\n\n")
    rows = [("full", "E, G, D", "68.4"), ("t-none", "none (scratch)", "80.7"), ("t-G", "G", "276.4"),
            ("t-D", "D", "266.3"), ("t-GD", "G, D: *DeepI2I (E from scratch)", "167.2"),
            ("t-E", "E", "-"), ("t-ED", "E, D", "-"), ("t-EG", "E, G", "-")]
    md += metric_table(runs, rows) + "\n"
    md += plot_section(runs, docs_dir, images, "transfer", rows, ["mFID", "RC", "mask-IoU"], "Partial transfer")
    md += claims_table(runs, [
        ("full transfer is best", "68.4 < 80.7 (scratch)", "full", "t-none", "mFID", "better"),
        ("", "68.4 < 167.2 (E scratch)", "full", "t-GD", "mFID", "better"),
        ("partial transfer is worse than none", "scratch 80.7 < G,D 167.2", "t-none", "t-GD", "mFID", "better"),
        ("", "scratch 80.7 < G 276.4", "t-none", "t-G", "mFID", "better"),
        ("", "scratch 80.7 < D 266.3", "t-none", "t-D", "mFID", "better"),
        ("G and D together beat either alone", "167.2 < 266.3 (D)", "t-GD", "t-D", "mFID", "better"),
        ("", "167.2 < 276.4 (G)", "t-GD", "t-G", "mFID", "better"),
    ], glance, "2. partial transfer") + "\n"

    md += "## 3. Depth of the bottleneck (Figure 6 middle)\n\n"
    md += ("`dN`: the encoder stops after N downsampling blocks and fuses at every level down to 64/2^N (d2: width 16, "
           "StarGAN's 2-downsampling bottleneck; d3: widths 16, 8; `full` = d4: 16, 8, 4). G keeps its depth (it is "
           "transferred); its levels below the bottleneck get no encoder input. The paper's values are only in its "
           "figure; the text says more downsampling layers perform better.\n\n")
    rows = [("d2", "2 downsamplings (StarGAN-like)", "worse"), ("d3", "3 downsamplings", "-"),
            ("full", "4 downsamplings", "best")]
    md += metric_table(runs, rows) + "\n"
    md += plot_section(runs, docs_dir, images, "depth", rows, ["mFID", "RC", "mask-IoU"], "Depth of the bottleneck")
    md += claims_table(runs, [
        ("more downsampling layers are better", "deeper better", "full", "d3", "mFID", "better"),
        ("", "", "d3", "d2", "mFID", "better"),
        ("", "", "full", "d2", "mFID", "better"),
        # The paper's reason for depth is semantics (large shape changes need the deep layers): class correctness.
        ("deep layers carry the class semantics", "deeper better", "full", "d3", "RC", "better"),
        ("", "", "d3", "d2", "RC", "better"),
        ("", "", "full", "d2", "RC", "better"),
    ], glance, "3. depth") + "\n"

    md += "## 4. Reconstruction loss (Figure 18)\n\n"
    md += ("The paper shows (qualitatively) that without the reconstruction loss the input's structure is lost. We "
           "measure structure with mask-IoU (foreground IoU of input and translation). The paper's equation 3 is L1, "
           "the official code MSE (our default); it compares neither.\n\n")
    rows = [("full", "MSE (default)", "-"), ("rec-l1", "L1", "-"), ("rec-off", "off", "-")]
    md += metric_table(runs, rows) + "\n"
    md += plot_section(runs, docs_dir, images, "recon", rows, ["mask-IoU", "mFID", "RC"], "Reconstruction loss")
    md += claims_table(runs, [
        ("reconstruction keeps the structure", "structure lost without it", "full", "rec-off", "mask-IoU", "better"),
        ("", "", "rec-l1", "rec-off", "mask-IoU", "better"),
    ], glance, "4. reconstruction") + "\n"

    md += "## 5. Data scarcity (Table 2)\n\n"
    md += ("`few-*`: the first FEW training images per class (see the budget), same test split; transfer against the "
           "same architecture from scratch (`--transfer none`), over several training seeds.\n\n")
    rows = [("few-transfer", "DeepI2I", "141.7"), ("few-scratch", "DeepI2I (scratch)", "280.3")]
    md += metric_table(runs, rows) + "\n"
    md += plot_section(runs, docs_dir, images, "scarcity", rows, ["mFID", "mKID", "RC", "FC"], "Data scarcity")
    md += claims_table(runs, [
        ("transfer wins on little data", "mFID 141.7 < 280.3", "few-transfer", "few-scratch", "mFID", "better"),
        ("", "mKID 15.0 < 28.9", "few-transfer", "few-scratch", "mKID", "better"),
        ("", "RC 30.1 > 6.12", "few-transfer", "few-scratch", "RC", "better"),
        ("", "FC 32.4 > 3.24", "few-transfer", "few-scratch", "FC", "better"),
    ], glance, "5. data scarcity") + "\n"

    md += "## 6. t-SNE (Appendix H)\n\n" + tsne_section(record, docs_dir, images) + "\n"
    md += "## Sample sheets (first column the input, then one column per target class; last iteration, first seed)\n\n"
    if not images:
        md += "Not copied for this budget (`--no-images`); they are in each run's `samples/`.\n"
    else:
        md += sheets(record, docs_dir, ["full", "noadaptor", "w16", "w8", "w4", "t-none", "t-GD", "d2", "d3", "rec-off", "rec-l1",
                                      "few-transfer", "few-scratch"])
    with open(out + ".tmp", "w") as f:
        f.write(top + glance_table(glance) + md)
    os.replace(out + ".tmp", out)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
