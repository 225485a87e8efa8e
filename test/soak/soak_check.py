# SPDX-License-Identifier: BSD-3-Clause
"""What the soak asserts, its summary and its plot (doc/soak.md states the rules).

Three kinds of check, per receiver (one per address family):

1. Bounded growth. For every watched series, a least-squares line over the
   samples of the second half of the traffic phase (the first half is
   warm-up: pools, caches and the dmabuf's pages fill once); the growth it
   projects over that half, slope x T/2, must stay under the series' growth
   limit. Every sample must stay under the series' hard cap.
2. Invariants at every sample: no verification error, no run-time error,
   and every token accounted for: granted = returned + dropped with a reset
   connection + held by the application now.
3. Nothing left at the end: hsplit-rx exits 0 with a clean teardown (every
   mbuf and every chunk home), every byte received is verified, tokens
   granted = returned + dropped, its last sample holds no chunk and no
   token, and the connections agree with the sender: every connection the
   sender completed ended on the receiver with the same byte count, and
   every one the receiver saw reset or cut at the end is one the sender
   aborted on purpose.
"""
import collections
import json
import os
import shutil
import subprocess

MIB = 1024


def series_defs(a, fam):
    """name -> (row key, unit divisor, unit, hard cap for a row, growth limit over T/2)."""
    max_conns = fam.max_conns
    live = fam.conns * a.rcv_chunks                 # what the open connections may hold
    pool = max(8191, max_conns * a.rcv_chunks + 2 * 1024 + 2 * 256)  # hsplit-rx's mbufs per pool
    rss_cap = (512 + 256 + 256) * MIB               # EAL -m 512 + the 256M dmabuf + 256 MiB
    return collections.OrderedDict([
        ('rss', ('vmrss_kib', MIB, 'MiB', lambda r: rss_cap, 16 * MIB)),
        ('rss_anon', ('rssanon_kib', MIB, 'MiB', lambda r: rss_cap, 8 * MIB)),
        ('chunks_held', ('app_chunks_held', 1, 'chunks',
                         lambda r: 2 * a.rcv_chunks * max(1, r.get('app_conns_live', 0)), live // 4)),
        ('tokens_held', ('app_app_tokens_held', 1, 'tokens',
                         lambda r: 2 * a.rcv_chunks * max(1, r.get('app_conns_live', 0)), live // 4)),
        ('binding_chunks_out', ('app_binding_chunks_out', 1, 'chunks', lambda r: pool, live // 4)),
        ('pay_mbufs_in_use', ('app_pay_mbufs_in_use', 1, 'mbufs', lambda r: pool, live // 4)),
        ('hdr_mbufs_in_use', ('app_hdr_mbufs_in_use', 1, 'mbufs', lambda r: pool, live // 4)),
        ('tcprx_conns', ('app_tcprx_conns', 1, 'slots', lambda r: max_conns, max_conns // 2)),
    ])


def least_squares(points):
    """(slope, intercept) of y = a + b t; (0, mean) for fewer than two distinct t."""
    n = len(points)
    if n == 0:
        return 0.0, 0.0
    mt = sum(t for t, _ in points) / n
    my = sum(y for _, y in points) / n
    stt = sum((t - mt) ** 2 for t, _ in points)
    if stt == 0:
        return 0.0, my
    b = sum((t - mt) * (y - my) for t, y in points) / stt
    return b, my - b * mt


def check_series(a, fam, fails):
    """Growth and caps; returns rows for the summary table."""
    table = []
    half = a.seconds / 2
    rows = [r for r in fam.rows if r['phase'] == 'traffic']
    for name, (key, div, unit, cap, limit) in series_defs(a, fam).items():
        pts = [(r['t'], r[key]) for r in rows if key in r]
        if not pts:
            fails.append('%s: no samples of %s' % (fam.name, name))
            continue
        late = [(t, y) for t, y in pts if t >= half]
        slope, icpt = least_squares(late)
        growth = slope * half
        over = [(r['t'], r[key], cap(r)) for r in rows if key in r and r[key] > cap(r)]
        verdict = 'ok'
        if len(late) < 5:
            verdict = 'FAIL'
            fails.append('%s: %s: only %d samples in the second half' % (fam.name, name, len(late)))
        if growth > limit:
            verdict = 'FAIL'
            fails.append('%s: %s grows %.1f %s over the second half (limit %.1f): slope %.3f %s/min'
                         % (fam.name, name, growth / div, unit, limit / div, slope * 60 / div, unit))
        if over:
            verdict = 'FAIL'
            t, y, c = over[0]
            fails.append('%s: %s %.1f %s at %.0f s is above its cap %.1f (%d samples over)'
                         % (fam.name, name, y / div, unit, t, c / div, len(over)))
        first = [y for t, y in pts if t < half]
        table.append({'series': name, 'unit': unit,
                      'first_half_mean': sum(first) / len(first) / div if first else 0,
                      'second_half_mean': sum(y for _, y in late) / len(late) / div if late else 0,
                      'max': max(y for _, y in pts) / div, 'slope_per_min': slope * 60 / div,
                      'growth': growth / div, 'limit': limit / div, 'verdict': verdict,
                      'fit': [icpt, slope]})
    return table


def check_invariants(fam, fails):
    bad = []
    for r in fam.rows:
        if 'app_tokens_granted' not in r:
            continue
        acct = r['app_tokens_returned'] + r['app_tokens_dropped'] + r['app_app_tokens_held']
        if r['app_tokens_granted'] != acct:
            bad.append('at %.0f s tokens granted %d != returned %d + dropped %d + held %d'
                       % (r['t'], r['app_tokens_granted'], r['app_tokens_returned'],
                          r['app_tokens_dropped'], r['app_app_tokens_held']))
        if r['app_verify_errors'] or r['app_errors']:
            bad.append('at %.0f s %d verification errors, %d run-time errors'
                       % (r['t'], r['app_verify_errors'], r['app_errors']))
    if bad:
        fails.append('%s: %d samples break an invariant; first: %s' % (fam.name, len(bad), bad[0]))


def match_connections(fam, fails):
    """The sender's connections against hsplit-rx's per-connection end lines."""
    sent = fam.sent.get('conns', [])
    ok = collections.Counter((c[0], c[1]) for c in sent if c[2] == 'ok')
    aborted = collections.defaultdict(list)   # reset by the sender, on purpose or at the end
    for c in sent:
        if c[2] in ('aborted', 'timeout', 'unfinished'):
            aborted[c[0]].append(c[1])
    closed = collections.Counter((e[0], e[1]) for e in fam.ends if e[2] == 'closed')
    missing = ok - closed
    if missing:
        fails.append('%s: %d connections the sender completed did not end on the receiver with '
                     'their byte count, e.g. (port, bytes) %s' % (fam.name, sum(missing.values()),
                                                                 list(missing)[:3]))
    odd = []
    cut = 0
    extra = list((closed - ok).elements())
    for port, nbytes in extra + [(e[0], e[1]) for e in fam.ends if e[2] == 'reset']:
        if not any(nbytes <= s for s in aborted.get(port, [])):
            odd.append((port, nbytes))
    cut = len(extra)
    unverified = [e for e in fam.ends if not e[3]]
    if odd:
        fails.append('%s: %d connections reset or cut on the receiver that the sender did not '
                     'reset, e.g. (port, bytes) %s' % (fam.name, len(odd), odd[:3]))
    if unverified:
        fails.append('%s: %d connections not verified, e.g. %s' % (fam.name, len(unverified),
                                                                   unverified[:3]))
    return {'sender_ok': sum(ok.values()),
            'sender_aborted': sum(1 for c in sent if c[2] == 'aborted'),
            'sender_unfinished': sum(1 for c in sent if c[2] == 'unfinished'),
            'sender_timeout': sum(1 for c in sent if c[2] == 'timeout'),
            'gave_up': [c for c in sent if c[2] in ('timeout', 'unfinished')],
            'receiver_closed': sum(closed.values()) - cut,
            'receiver_reset': sum(1 for e in fam.ends if e[2] == 'reset'),
            'cut_at_end': cut}


def check_end(a, fam, fails):
    rep = fam.report
    if fam.status != 0:
        fails.append('%s: hsplit-rx exit status %s' % (fam.name, fam.status))
    if rep is None:
        fails.append('%s: hsplit-rx printed no JSON report:\n%s' % (fam.name, fam.rx.log(30)))
        return
    tcp, x = rep['tcp'], rep['xstats']
    if not rep['teardown_clean']:
        fails.append('%s: teardown: mbufs or chunks did not come home' % fam.name)
    if rep['bytes_verified'] != rep['bytes'] or rep['verify_errors']:
        fails.append('%s: %d of %d bytes verified, %d mismatches'
                     % (fam.name, rep['bytes_verified'], rep['bytes'], rep['verify_errors']))
    if rep['errors']:
        fails.append('%s: %d run-time errors' % (fam.name, rep['errors']))
    if tcp['tokens_granted'] != tcp['tokens_returned'] + rep['tokens_dropped_at_reset']:
        fails.append('%s: tokens: %d granted, %d returned + %d dropped with a reset'
                     % (fam.name, tcp['tokens_granted'], tcp['tokens_returned'],
                        rep['tokens_dropped_at_reset']))
    if tcp['token_bad_returns']:
        fails.append('%s: %d bad token returns' % (fam.name, tcp['token_bad_returns']))
    if not x.get('rx_q0_packets'):   # only non-zero xstats are reported: none at all?
        fails.append('%s: no xstats snapshot (rx_q0_packets missing)' % fam.name)
    if x.get('rx_q0_payload_pool_empty_drops', 0):
        fails.append('%s: %d frames dropped for an empty payload pool'
                     % (fam.name, x['rx_q0_payload_pool_empty_drops']))
    if rep['tcprx']['csum_bad']:
        fails.append('%s: %d bad checksums' % (fam.name, rep['tcprx']['csum_bad']))
    if fam.name == 'ipv6' and not a.static_neigh and rep['tcprx']['nd_replies'] == 0:
        fails.append('ipv6: no neighbour advertisement sent, yet the sender had no static entry')
    last = [r for r in fam.rows if r.get('app_final')]
    if not last:
        fails.append('%s: no final sample' % fam.name)
    elif last[-1]['app_chunks_held'] or last[-1]['app_app_tokens_held'] or last[-1]['app_conns_live']:
        fails.append('%s: the last sample still has %d connections, %d chunks, %d tokens'
                     % (fam.name, last[-1]['app_conns_live'], last[-1]['app_chunks_held'],
                        last[-1]['app_app_tokens_held']))
    if not fam.sent.get('ok'):
        fails.append('%s: the sender: %d connections ended in an error; first: %s'
                     % (fam.name, fam.sent.get('outcomes', {}).get('error', 0),
                        json.dumps(fam.sent.get('errors'))[:600]))


def totals(fam, elapsed):
    rep, s = fam.report or {}, fam.sent
    tcp = rep.get('tcp', {})
    return {'connections_sent': s.get('connections', 0), 'outcomes': s.get('outcomes', {}),
            'bytes_verified': rep.get('bytes_verified', 0), 'bytes': rep.get('bytes', 0),
            'gbps_avg': rep.get('bytes', 0) * 8 / elapsed / 1e9 if elapsed else 0,
            'stalls': rep.get('stalls', 0), 'max_tokens_held': rep.get('max_tokens_held', 0),
            'segs_in': tcp.get('segs_in', 0), 'segs_ooo': tcp.get('segs_ooo', 0),
            'segs_dup': tcp.get('segs_dup', 0), 'zero_windows': tcp.get('zero_windows', 0),
            'window_probes': tcp.get('window_probes', 0), 'segs_paws': tcp.get('segs_paws', 0),
            'chunk_overrun': tcp.get('chunk_overrun', 0),
            'tokens_granted': tcp.get('tokens_granted', 0),
            'tokens_dropped_at_reset': rep.get('tokens_dropped_at_reset', 0),
            'conn_table_full': rep.get('tcprx', {}).get('conn_table_full', 0),
            'syncookies': [rep.get('tcprx', {}).get('syncookies_' + k, 0)
                           for k in ('sent', 'validated', 'rejected')],
            'conn_seconds': s.get('conn_seconds', {}),
            'teardown_clean': rep.get('teardown_clean'), 'exit_status': fam.status,
            'wire': getattr(fam, 'wire_stats', None)}


def print_summary(a, fams, results, elapsed, command, ok, fails):
    print('\nsoak summary: %.0f s of new connections, %.0f s in all%s' % (
        a.seconds, elapsed, '' if a.conns6 == 0 or not a.static_neigh else
        ' (IPv6 sender with a static neighbour entry)'))
    print('  command: %s' % command)
    for fam in fams:
        r = results[fam.name]
        t, m = r['totals'], r['connections']
        print('\n  %s  %s, %s backend, %d connections at once' % (fam.name, fam.listen, fam.backend,
                                                                 fam.conns))
        print('    connections     %d sent (%s); receiver: %d closed, %d reset, %d cut at the end'
              % (t['connections_sent'], ', '.join('%s %d' % kv for kv in sorted(t['outcomes'].items())),
                 m['receiver_closed'], m['receiver_reset'], m['cut_at_end']))
        if m['gave_up']:
            print('    gave up         %d connections waited %.0f s in one socket call (timeout) '
                  'or were open %.0f s after the last new one (unfinished) and were reset: '
                  'not a failure (no timing is asserted), see doc/soak.md; [port, bytes, outcome, '
                  'kind, s]: %s' % (len(m['gave_up']), a.drain, a.drain,
                                   json.dumps(m['gave_up'][:8])))
        cs = t['conn_seconds']
        if cs:
            print('    time per conn   p50 %.2f s, p99 %.1f s, max %.1f s (%d took over 60 s); '
                  'SYNs dropped for a full table: %d; SYN cookies %d sent, %d validated, '
                  '%d rejected' % ((cs['p50'], cs['p99'], cs['max'], cs['over_60s'],
                                    t['conn_table_full']) + tuple(t['syncookies'])))
        print('    bytes           %d received, %d verified through the device view (%.3f Gbps average)'
              % (t['bytes'], t['bytes_verified'], t['gbps_avg']))
        print('    tcp             %d segments, %d out of order, %d duplicate, %d PAWS drops; '
              '%d zero windows, %d probes; %d app stalls'
              % (t['segs_in'], t['segs_ooo'], t['segs_dup'], t['segs_paws'], t['zero_windows'],
                 t['window_probes'], t['stalls']))
        print('    tokens          %d granted, %d dropped with a reset; teardown %s; exit %s'
              % (t['tokens_granted'], t['tokens_dropped_at_reset'],
                 'clean' if t['teardown_clean'] else 'NOT CLEAN', t['exit_status']))
        if t['wire']:
            w = t['wire']
            print('    wire            %d frames: %d dropped, %d duplicated, %d reordered'
                  % (w['a_frames'], w['a_dropped'], w['a_duplicated'], w['a_reordered']))
        print('    %-19s %10s %10s %10s %12s %10s %10s  %s' % ('series', '1st half', '2nd half', 'max',
                                                              'slope/min', 'growth', 'limit', ''))
        for s in r['series']:
            print('    %-19s %10.1f %10.1f %10.1f %12.3f %10.1f %10.1f  %s %s'
                  % (s['series'], s['first_half_mean'], s['second_half_mean'], s['max'],
                     s['slope_per_min'], s['growth'], s['limit'], s['unit'], s['verdict']))
    print()
    for f in fails:
        print('  FAIL %s' % f)
    print('soak: %s' % ('PASS' if ok else 'FAIL'), flush=True)


def write_data(a, fams, results):
    """One TSV per family for gnuplot: t and the plotted series."""
    cols = ['t', 'vmrss_kib', 'rssanon_kib', 'rssshmem_kib', 'app_chunks_held',
            'app_binding_chunks_out', 'app_pay_mbufs_in_use', 'app_hdr_mbufs_in_use',
            'app_app_tokens_held', 'app_conns_live', 'app_bytes']
    for fam in fams:
        prev = None
        with open(os.path.join(a.out, 'series-%s.tsv' % fam.name), 'w') as f:
            f.write('# ' + '\t'.join(cols + ['mbit_s']) + '\n')
            for r in fam.rows:
                if 'app_bytes' not in r or 'vmrss_kib' not in r:
                    continue
                rate = 0.0
                if prev is not None and r['t'] > prev[0]:
                    rate = (r['app_bytes'] - prev[1]) * 8 / (r['t'] - prev[0]) / 1e6
                prev = (r['t'], r['app_bytes'])
                f.write('\t'.join(str(r.get(c, 0)) for c in cols) + '\t%.1f\n' % rate)


def plot(a, fams, results):
    """PNG and SVG: memory, chunks, mbufs and connections over time, the fits dashed."""
    if shutil.which('gnuplot') is None:
        print('soak: no gnuplot (config/setup-host.sh installs gnuplot-nox): no plot')
        return
    half = a.seconds / 2
    lines = ['set multiplot layout 4,1 title "hsplit-rx soak: %.0f s of connections, '
             'lossy wire, random stalls and holds"' % a.seconds,
             'set grid', 'set key outside right top', 'set xrange [0:*]',
             'set lmargin at screen 0.07', 'set rmargin at screen 0.76',
             'set style rect fc lt -1 fs solid 0.08 noborder',
             'set obj 1 rect from %g, graph 0 to %g, graph 1' % (half, a.seconds),
             'set arrow 1 from %g, graph 0 to %g, graph 1 nohead dt 2' % (a.seconds, a.seconds)]
    colors = {'ipv4': '#1f77b4', 'ipv6': '#d62728'}

    def fit(fam, name, div):
        s = [x for x in results[fam.name]['series'] if x['series'] == name][0]
        icpt, slope = s['fit']
        return ('(x >= %g && x <= %g ? (%g + %g * x) / %g : 1/0) dt 2 lw 2 lc rgb "%s" '
                'title "%s fit, 2nd half"' % (half, a.seconds, icpt, slope, div, colors[fam.name],
                                              fam.name))

    def panel(ylabel, specs, y2label=None):
        parts = []
        for fam in fams:
            data = os.path.join(a.out, 'series-%s.tsv' % fam.name)
            for col, title, dt, fitname, div in specs:
                axes = ' axes x1y2' if y2label and col == 12 else ''
                parts.append('"%s" using 1:($%d/%g)%s with lines lw 1.5 dt %d lc rgb "%s" title "%s %s"'
                             % (data, col, div, axes, dt, colors[fam.name], fam.name, title))
                if fitname:
                    parts.append(fit(fam, fitname, div))
        y2 = (['set y2label "%s"' % y2label, 'set y2tics', 'set ytics nomirror'] if y2label
              else ['unset y2label', 'unset y2tics', 'set ytics mirror'])
        return ['set ylabel "%s"' % ylabel] + y2 + ['plot ' + ', \\\n  '.join(parts)]

    lines += panel('memory (MiB)', [(2, 'RSS', 1, 'rss', 1024), (3, 'RssAnon', 3, 'rss_anon', 1024)])
    lines += panel('chunks / tokens', [(5, 'chunks held', 1, 'chunks_held', 1),
                                       (6, 'binding chunks out', 3, None, 1),
                                       (9, 'app tokens', 4, None, 1)])
    lines += panel('mbufs in use', [(7, 'payload', 1, 'pay_mbufs_in_use', 1),
                                    (8, 'header', 3, None, 1)])
    lines += ['set xlabel "seconds (shaded: the second half, where growth is measured; '
              'dashed line: no new connections)"']
    lines += panel('live connections', [(10, 'live conns', 1, None, 1), (12, 'Mbit/s (right)', 3, None, 1)],
                   y2label='Mbit/s received')
    lines += ['unset multiplot']
    body = '\n'.join(lines) + '\n'
    for term, ext in (('pngcairo size 1200,1400 font ",10"', 'png'),
                      ('svg size 1200,1400 dynamic font ",10"', 'svg')):
        path = os.path.join(a.out, 'soak.%s' % ext)
        script = 'set terminal %s\nset output "%s"\n%s' % (term, path, body)
        with open(os.path.join(a.out, 'soak-%s.gp' % ext), 'w') as f:
            f.write(script)
        r = subprocess.run(['gnuplot'], input=script, capture_output=True, text=True)
        if r.returncode != 0:
            print('soak: gnuplot (%s) failed: %s' % (ext, r.stderr.strip()[-500:]))
        else:
            print('soak: plot %s' % path)


def report(a, fams, elapsed, command, plot_it=True):
    fails, results = [], {}
    for fam in fams:
        results[fam.name] = {'series': check_series(a, fam, fails)}
        check_invariants(fam, fails)
        check_end(a, fam, fails)
        results[fam.name]['connections'] = match_connections(fam, fails)
        results[fam.name]['totals'] = totals(fam, elapsed)
        if results[fam.name]['totals']['connections_sent'] < fam.conns:
            fails.append('%s: only %d connections in the whole soak'
                         % (fam.name, results[fam.name]['totals']['connections_sent']))
    ok = not fails
    with open(os.path.join(a.out, 'summary.json'), 'w') as f:
        json.dump({'ok': ok, 'command': command, 'seconds': a.seconds, 'elapsed': elapsed,
                   'fails': fails, 'results': results,
                   'reports': {fam.name: {k: v for k, v in (fam.report or {}).items() if k != 'conns'}
                               for fam in fams}}, f, indent=1)
    for fam in fams:
        with open(os.path.join(a.out, 'hsplit-rx-%s.log' % fam.name), 'w') as f:
            f.write(''.join(fam.rx.lines))
        with open(os.path.join(a.out, 'hsplit-rx-%s.json' % fam.name), 'w') as f:
            json.dump(fam.report, f)

    write_data(a, fams, results)
    if plot_it:
        plot(a, fams, results)
    print_summary(a, fams, results, elapsed, command, ok, fails)
    return ok
