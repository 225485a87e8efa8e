# SPDX-License-Identifier: BSD-3-Clause
"""What hsplit-bench writes: the table, JSON, CSV, gnuplot plots, and the
stable latency report for firmware regression runs (doc/hsplit-bench.md).
"""
import csv
import json
import os
import shutil
import statistics
import subprocess

LATENCY_FORMAT = 'hsplit-bench-latency/1'


# ------------------------------------------------------------- aggregation

def spread(values):
    """{median, min, max, n} of the values that exist, or None."""
    vals = [v for v in values if v is not None]
    if not vals:
        return None
    return {'median': statistics.median(vals), 'min': min(vals), 'max': max(vals), 'n': len(vals)}


def merge_hists(hists):
    """Sum the bucket lists of app_hist JSON objects: [[max_ns, count], ...] sorted."""
    total = {}
    for h in hists:
        for bound, count in (h or {}).get('buckets', []):
            total[bound] = total.get(bound, 0) + count
    return sorted(total.items())


def hist_percentile(buckets, p):
    """Upper bound of the bucket holding the p-th percentile of merged buckets."""
    n = sum(c for _, c in buckets)
    if n == 0:
        return None
    want = max(1, int(n * p / 100.0 + 0.999999))
    seen = 0
    for bound, count in buckets:
        seen += count
        if seen >= want:
            return bound
    return buckets[-1][0]


def summarize_cell(runs, busy_poll=False):
    """Medians with min-max over the repetitions of one cell; busy_poll: a note with the
    share of packets a busy poll took and how often the receiver slept."""
    ok = [r for r in runs if 'error' not in r]
    out = {
        'reps': len(runs),
        'failed': len(runs) - len(ok),
        'errors': sorted({r['error'] for r in runs if 'error' in r}),
        'gbps': spread([r.get('gbps') for r in ok]),
        'rx_cpu_per_gb': spread([r.get('rx_cpu_per_gb') for r in ok]),
        'all_cpu_per_gb': spread([r.get('all_cpu_per_gb') for r in ok]),
        'notes': sorted({n for r in ok for n in r.get('notes', [])}),
        # kernel designs: the share of received packets a busy poll took, and receiver sleeps
        'busy_polled_pct': spread([100.0 * r['busy_polled'] / r['rx_packets'] for r in ok
                                   if r.get('rx_packets') and r.get('busy_polled') is not None]),
        'rx_sleeps': spread([r.get('rx_sleeps') for r in ok]),
        # hsplit designs: net_hsplit's driver half and emulated device, TSC cycles per packet
        'driver_cycles_pkt': spread([r.get('driver_cycles_pkt') for r in ok]),
        'device_cycles_pkt': spread([r.get('device_cycles_pkt') for r in ok]),
    }
    if busy_poll and ok:
        note = 'busy-polled %s%% of packets (BusyPollRxPackets)' % fmt_spread(
            out['busy_polled_pct'], digits=0)
        if out['rx_sleeps']:  # hsplit-rx never sleeps and does not count
            note += ', receiver slept %s times' % fmt_spread(out['rx_sleeps'], digits=0)
        out['notes'].append(note)
    lats = [r['latency'] for r in ok if r.get('latency')]
    if lats:
        for key in ('p50_ns', 'p99_ns', 'p999_ns'):
            out[key] = spread([h.get(key) for h in lats])
        out['buckets'] = merge_hists(lats)
        out['samples'] = sum(h.get('count', 0) for h in lats)
        out['max_ns'] = max(h.get('max_ns', 0) for h in lats)
        out['reps_p99_ns'] = [h.get('p99_ns') for h in lats]
        calls = [r['send_call'] for r in ok if r.get('send_call')]
        if calls:
            out['send_call_p50_ns'] = spread([c.get('p50_ns') for c in calls])
    return out


# ------------------------------------------------------------- the table

def fmt_spread(s, scale=1.0, digits=2):
    if not s:
        return '-'
    med = s['median'] * scale
    if s['n'] == 1 or s['min'] == s['max']:
        return '%.*f' % (digits, med)
    return '%.*f (%.*f-%.*f)' % (digits, med, digits, s['min'] * scale, digits, s['max'] * scale)


def fmt_latency(cell):
    if not cell or not cell.get('p50_ns'):
        return '-'
    return '%s / %s / %s' % tuple('%.1f' % (cell[k]['median'] / 1000.0)
                                  for k in ('p50_ns', 'p99_ns', 'p999_ns'))


def summary_rows(results):
    """One row per design: the main bulk cell's goodput and CPU, the latency cell's percentiles."""
    rows = []
    for d in results['designs']:
        name = d['name']
        if d.get('unsupported'):
            rows.append([name, '-', '-', '-', '-', d['unsupported']])
            continue
        cells = d['cells']
        main = cells.get(results['main_cell'])
        lat = cells.get('latency')
        notes = []
        for c in (main, lat):
            if c:
                # the latency cell's own notes say which cell they are from
                prefix = 'latency: ' if c is lat and lat is not main else ''
                notes += [prefix + n for n in c['notes'] if n not in notes]
                if c['failed']:
                    notes.append('%d of %d runs failed: %s' % (c['failed'], c['reps'],
                                                               '; '.join(c['errors'])[:160]))
        rows.append([name,
                     fmt_spread(main and main['gbps']),
                     fmt_spread(main and main['rx_cpu_per_gb']),
                     fmt_spread(main and main['all_cpu_per_gb']),
                     fmt_latency(lat),
                     '; '.join(notes)])
    return rows


def print_table(headers, rows, out):
    widths = [max(len(str(r[i])) for r in rows + [headers]) for i in range(len(headers) - 1)]
    for r in [headers] + rows:
        cols = ['%-*s' % (w, c) for w, c in zip(widths, r[:-1])] + [str(r[-1])]
        out.write('  '.join(cols).rstrip() + '\n')


def print_report(results, out):
    m = results['machine']
    out.write('hsplit-bench: %s, %s cores, kernel %s\n' % (m['cpu'], m['cores'], m['kernel']))
    if results.get('caveat'):
        out.write('NOTE: %s\n' % results['caveat'])
    out.write('wire: %s\n' % results['wire'])
    out.write('pinning: %s\n' % results['pinning'])
    out.write('memory: %s\n' % results['hugepages'])
    if results.get('verify'):
        out.write('verify: %s\n' % results['verify'])
    if any(d['name'] == 'kernel-busypoll' for d in results['designs']):
        out.write('busy poll: %s\n' % results.get('busy_poll', '-'))
    out.write('cells: %s; %d repetitions each, median (min-max)\n\n'
              % (results['cells_text'], results['reps']))
    heads = ['design', 'goodput Gbps', 'rx CPU s/GB', 'both cores s/GB',
             'latency p50 / p99 / p99.9 us', 'notes']
    out.write('summary (goodput and CPU: %s; latency: %s)\n' % (results['main_cell'],
                                                                 results.get('latency_text', '-')))
    print_table(heads, summary_rows(results), out)
    detail = []
    for d in results['designs']:
        for cid, c in d.get('cells', {}).items():
            bulk = results['cell_defs'][cid]['workload'] == 'bulk'
            notes = ([('%d failed' % c['failed'])] if c['failed'] else []) + c['notes']
            detail.append([d['name'], cid, fmt_spread(c['gbps']) if bulk else '-',
                           fmt_spread(c['rx_cpu_per_gb']) if bulk else '-',
                           fmt_spread(c['all_cpu_per_gb']) if bulk else '-', fmt_latency(c),
                           '; '.join(notes)])
    if detail:
        out.write('\nevery cell\n')
        print_table(['design', 'cell', 'goodput Gbps', 'rx CPU s/GB', 'both cores s/GB',
                     'latency us', 'notes'], detail, out)
    if results.get('caveat'):
        print_ratios(results, out)
    print_targets(results, out)
    print_halves(results, out)


RATIO_BASE = 'kernel-recv'


def ratio_rows(results):
    """Each design's bulk cells as multiples of kernel-recv's in the same cell (and its
    latency p50/p99 likewise): under emulation only these comparisons mean anything."""
    base = next((d for d in results['designs'] if d['name'] == RATIO_BASE), None)
    if not base or not base.get('cells'):
        return []

    def ratio(c, b, key):
        v = c.get(key) and c[key].get('median')
        w = b.get(key) and b[key].get('median')
        return '%.2fx' % (v / w) if v and w else '-'

    rows = []
    for d in results['designs']:
        for cid, c in d.get('cells', {}).items():
            b = base['cells'].get(cid)
            if not b or d['name'] == RATIO_BASE:
                continue
            if results['cell_defs'][cid]['workload'] == 'bulk':
                rows.append([d['name'], cid, ratio(c, b, 'gbps'), ratio(c, b, 'rx_cpu_per_gb'),
                             ratio(c, b, 'all_cpu_per_gb'), '-'])
            else:
                rows.append([d['name'], cid, '-', '-', '-', '%s / %s' % (
                    ratio(c, b, 'p50_ns'), ratio(c, b, 'p99_ns'))])
    return rows


def print_ratios(results, out):
    rows = ratio_rows(results)
    if not rows:
        return
    out.write('\nratios to %s in the same cell (the figures to read under emulation)\n'
              % RATIO_BASE)
    print_table(['design', 'cell', 'goodput', 'rx CPU s/GB', 'both cores s/GB',
                 'latency p50 / p99'], rows, out)


def halves_rows(results):
    """Per hsplit design and cell: net_hsplit's driver half and emulated device."""
    rows = []
    for d in results['designs']:
        for cid, c in d.get('cells', {}).items():
            drv, dev = c.get('driver_cycles_pkt'), c.get('device_cycles_pkt')
            if not drv:
                continue
            share = 100.0 * drv['median'] / (drv['median'] + (dev or {}).get('median', 0))
            rows.append([d['name'], cid, fmt_spread(drv, digits=0), fmt_spread(dev, digits=0),
                         '%.0f%%' % share])
    return rows


def print_halves(results, out):
    rows = halves_rows(results)
    if not rows:
        return
    out.write('\nnet_hsplit per received packet, TSC cycles (cycle_stats=1; bursts that '
              'delivered packets, empty polls apart): the driver half is what a real NIC '
              'leaves to the host CPU\n')
    print_table(['design', 'cell', 'driver half', 'emulated device', 'driver share', ''],
                [r + [''] for r in rows], out)


# ------------------------------------------------------------- targets

# Issue 14: hsplit over the wire against the best kernel design of the same cell.
LATENCY_LIMIT = 0.5


def merged_p99_ns(cell):
    """p99 of every repetition's samples together (what the latency report prints)."""
    if not cell or not cell.get('buckets'):
        return None
    return min(hist_percentile(cell['buckets'], 99), cell['max_ns'])


def _best(designs, cid, value, pick):
    """(design name, value) of the kernel design that does best on `value` in cell cid."""
    have = [(value(d['cells'][cid]), d['name']) for d in designs
            if cid in d.get('cells', {}) and value(d['cells'][cid]) is not None]
    if not have:
        return None, None
    v, name = pick(have)
    return name, v


def _median(key):
    return lambda c: c[key]['median'] if c.get(key) and not c['failed'] else None


def targets(results):
    """Every target row the run covers, for every hsplit wire design, met or not.

    goodput >= the best kernel goodput, both cores' CPU per GB <= the best
    kernel's, in every bulk cell; latency p99 <= 0.5 x the lowest kernel p99
    (busy polling included) in the latency cell.
    """
    kernel = [d for d in results['designs'] if d.get('kind') == 'kernel']
    hsplit = [d for d in results['designs']
              if d.get('kind') == 'hsplit' and d.get('wire') and d.get('cells')]
    specs = [('goodput', 'goodput >= best kernel', _median('gbps'), max, 'ge', 1.0),
             ('cpu', 'both cores s/GB <= best kernel', _median('all_cpu_per_gb'), min, 'le', 1.0),
             ('latency_p99', 'latency p99 <= %gx best kernel' % LATENCY_LIMIT, merged_p99_ns,
              min, 'le', LATENCY_LIMIT)]
    rows = []
    for key, text, value, pick, sense, limit in specs:
        for cid, cell in results['cell_defs'].items():
            if (cell['workload'] == 'latency') != (key == 'latency_p99'):
                continue
            best_name, best = _best(kernel, cid, value, pick)
            for d in hsplit:
                c = d.get('cells', {}).get(cid)
                mine = value(c) if c else None
                row = {'target': key, 'text': text, 'cell': cid, 'design': d['name'],
                       'limit': limit, 'best_kernel': best_name, 'best_kernel_value': best,
                       'value': mine, 'ratio': None, 'met': None}
                if mine is not None and best:
                    row['ratio'] = mine / best
                    row['met'] = (row['ratio'] >= limit if sense == 'ge'
                                  else row['ratio'] <= limit)
                rows.append(row)
    return rows


def _fmt_target_value(row, v):
    if v is None:
        return '-'
    if row['target'] == 'latency_p99':
        return '%.1f us' % (v / 1000.0)
    return '%.2f%s' % (v, ' Gbps' if row['target'] == 'goodput' else ' s/GB')


def target_verdict(row):
    if row['met'] is None:
        return 'unknown (%s)' % ('no kernel design measured' if row['best_kernel'] is None
                                 else 'not measured')
    return 'met' if row['met'] else 'NOT met'


def print_targets(results, out):
    rows = results.get('targets') or []
    if not rows:
        return
    kernels = [d['name'] for d in results['designs']
               if d.get('kind') == 'kernel' and d.get('cells')]
    out.write('\ntargets (issue 14): hsplit against the best kernel design of the same cell '
              '(of %s); latency p99 over all repetitions\n' % ', '.join(kernels or ['none']))
    table = []
    for r in rows:
        best = ('%s (%s)' % (_fmt_target_value(r, r['best_kernel_value']), r['best_kernel'])
                if r['best_kernel'] else '-')
        mine = _fmt_target_value(r, r['value'])
        if r['ratio'] is not None:
            mine += ' = %.2fx' % r['ratio']
        table.append([r['text'], r['cell'], best, r['design'], mine, target_verdict(r)])
    print_table(['target', 'cell', 'best kernel', 'design', 'design value', 'verdict'],
                table, out)


# ------------------------------------------------------------- files

def write_json(results, path):
    with open(path, 'w') as f:
        json.dump(results, f, indent=1, sort_keys=True)
        f.write('\n')


def write_csv(results, path):
    fields = ['design', 'cell', 'workload', 'flows', 'msg_bytes', 'rep', 'gbps', 'bytes',
              'seconds', 'rx_cpu_s', 'rx_cpu_per_gb', 'all_cpu_per_gb', 'p50_ns', 'p99_ns',
              'p999_ns', 'error', 'busy_polled', 'rx_packets', 'rx_sleeps']
    with open(path, 'w', newline='') as f:
        w = csv.DictWriter(f, fieldnames=fields)
        w.writeheader()
        for d in results['designs']:
            for cid, runs in d.get('runs', {}).items():
                cell = results['cell_defs'][cid]
                for i, r in enumerate(runs):
                    lat = r.get('latency') or {}
                    w.writerow({'design': d['name'], 'cell': cid, 'workload': cell['workload'],
                                'flows': cell['flows'], 'msg_bytes': cell['msg'], 'rep': i + 1,
                                'gbps': r.get('gbps'), 'bytes': r.get('bytes'),
                                'seconds': r.get('seconds'), 'rx_cpu_s': r.get('rx_cpu_s'),
                                'rx_cpu_per_gb': r.get('rx_cpu_per_gb'),
                                'all_cpu_per_gb': r.get('all_cpu_per_gb'),
                                'p50_ns': lat.get('p50_ns'), 'p99_ns': lat.get('p99_ns'),
                                'p999_ns': lat.get('p999_ns'), 'error': r.get('error', ''),
                                'busy_polled': r.get('busy_polled'),
                                'rx_packets': r.get('rx_packets'),
                                'rx_sleeps': r.get('rx_sleeps')})


def gnuplot_available():
    return shutil.which('gnuplot') is not None


def _plot(outdir, stem, script):
    """Run one gnuplot script twice: PNG and SVG. Returns the files written."""
    written = []
    for term, ext in (('pngcairo size 960,600', 'png'), ('svg size 960,600', 'svg')):
        target = os.path.join(outdir, '%s.%s' % (stem, ext))
        text = 'set terminal %s\nset output "%s"\n%s' % (term, target, script)
        r = subprocess.run(['gnuplot'], input=text, capture_output=True, text=True)
        if r.returncode != 0 and ext == 'png':
            # Debian's gnuplot-nox has no cairo: fall back to the gd png terminal.
            text = text.replace('pngcairo', 'png', 1)
            r = subprocess.run(['gnuplot'], input=text, capture_output=True, text=True)
        if r.returncode == 0 and os.path.exists(target):
            written.append(target)
    return written


def write_plots(results, outdir):
    """Throughput vs message size per design; latency CDF per design."""
    if not gnuplot_available():
        return []
    written = []
    size_cells = [cid for cid, c in results['cell_defs'].items() if c.get('sweep')]
    series = []
    for d in results['designs']:
        pts = []
        for cid in size_cells:
            c = d.get('cells', {}).get(cid)
            if c and c['gbps']:
                g = c['gbps']
                pts.append((results['cell_defs'][cid]['msg'], g['median'], g['min'], g['max']))
        if pts:
            path = os.path.join(outdir, 'throughput-%s.dat' % d['name'])
            with open(path, 'w') as f:
                f.write('# msg_bytes gbps_median gbps_min gbps_max\n')
                for p in sorted(pts):
                    f.write('%d %.4f %.4f %.4f\n' % p)
            series.append((d['name'], path))
    if series:
        plots = ', '.join('"%s" using 1:2:3:4 with yerrorlines title "%s"' % (p, n)
                          for n, p in series)
        written += _plot(outdir, 'throughput', (
            'set title "goodput vs message size (median, min-max), %s"\n'
            'set logscale x 2\nset format x "%%.0b %%BB"\nset xlabel "message size"\nset ylabel "Gbit/s"\n'
            'set key outside right\nset grid\nplot %s\n' % (results['wire_short'], plots)))
    series = []
    for d in results['designs']:
        c = d.get('cells', {}).get('latency')
        if not c or not c.get('buckets'):
            continue
        path = os.path.join(outdir, 'latency-%s.dat' % d['name'])
        total = sum(n for _, n in c['buckets'])
        seen = 0
        with open(path, 'w') as f:
            f.write('# latency_us cumulative_fraction\n')
            for bound, n in c['buckets']:
                seen += n
                f.write('%.3f %.6f\n' % (bound / 1000.0, seen / total))
        series.append((d['name'], path))
    if series:
        plots = ', '.join('"%s" using 1:2 with steps title "%s"' % (p, n) for n, p in series)
        written += _plot(outdir, 'latency-cdf', (
            'set title "one-way latency CDF, %s"\nset logscale x 10\n'
            'set xlabel "sender stamp to receiving application (us)"\n'
            'set ylabel "fraction of messages"\nset yrange [0:1]\nset key bottom right\n'
            'set grid\nplot %s\n' % (results['latency_text'], plots)))
    return written


# ------------------------------------------------------------- latency mode

def write_latency_report(results, out):
    """The stable line format of `hsplit-bench latency` (doc/hsplit-bench.md)."""
    m = results['machine']
    out.write('%s\n' % LATENCY_FORMAT)
    out.write('machine cpu="%s" cores=%s kernel=%s\n' % (m['cpu'], m['cores'], m['kernel']))
    out.write('setup msg_bytes=%d interval_us=%d count=%d reps=%d sender_cpu=%d receiver_cpu=%d\n'
              % (results['lat_msg'], results['lat_interval_us'], results['lat_count'],
                 results['reps'], results['cpus'][0], results['cpus'][1]))
    for d in results['designs']:
        name = d['name']
        why = d.get('unsupported') or d.get('no_latency')
        if why:
            out.write('design %s status=unsupported reason="%s"\n'
                      % (name, why.replace('"', "'")))
            continue
        c = d.get('cells', {}).get('latency')
        if not c or not c.get('buckets'):
            err = '; '.join(c['errors']) if c else 'not run'
            out.write('design %s status=failed reason="%s"\n' % (name, err.replace('"', "'")))
            continue
        b = c['buckets']
        reps_p99 = ','.join('%.1f' % (x / 1000.0) for x in c.get('reps_p99_ns', []))
        # a bucket's bound may lie above the largest sample: clamp, as app_hist does
        pct = [min(hist_percentile(b, p), c['max_ns']) / 1e3 for p in (50, 90, 99, 99.9)]
        out.write('design %s status=ok samples=%d p50_us=%.1f p90_us=%.1f p99_us=%.1f '
                  'p999_us=%.1f max_us=%.1f reps_p99_us=%s\n'
                  % tuple([name, c['samples']] + pct + [c['max_ns'] / 1e3, reps_p99]))
        total = sum(n for _, n in b)
        seen = 0
        for bound, n in b:
            seen += n
            out.write('bucket %s le_us=%.3f count=%d cum_pct=%.3f\n'
                      % (name, bound / 1e3, n, 100.0 * seen / total))
    for r in results.get('targets') or []:
        if r['target'] != 'latency_p99':
            continue
        if r['met'] is None:
            out.write('target latency_p99 design=%s status=unknown reason="%s"\n'
                      % (r['design'], target_verdict(r)[9:-1]))
            continue
        out.write('target latency_p99 design=%s p99_us=%.1f best_kernel=%s '
                  'best_kernel_p99_us=%.1f ratio=%.3f limit=%g status=%s\n'
                  % (r['design'], r['value'] / 1e3, r['best_kernel'],
                     r['best_kernel_value'] / 1e3, r['ratio'], r['limit'],
                     'met' if r['met'] else 'not_met'))
    out.write('end\n')
