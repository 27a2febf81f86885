import { describe, expect, it } from 'vitest'
import { bytes, formatTable, parseCpuSeconds, parseMemory, parsePrometheus, percentile, ratio, sumOf } from './figures.ts'

describe('parseCpuSeconds', () => {
  it('adds utime and stime, in seconds', () => {
    // pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime ...
    expect(parseCpuSeconds('42 (node) S 1 42 42 0 -1 4194560 100 0 0 0 250 75 0 0 20 0 11 0')).toBe(3.25)
  })
  it('reads past a command name with spaces and parentheses', () => {
    expect(parseCpuSeconds('7 (a (b) c) R 1 7 7 0 -1 0 0 0 0 0 10 20 0 0')).toBe(0.3)
  })
  it('refuses what is not a stat line', () => {
    expect(() => parseCpuSeconds('nonsense')).toThrow(/not a \/proc\/<pid>\/stat line/)
  })
})

describe('parseMemory', () => {
  it('reads VmRSS and VmHWM in bytes', () => {
    expect(parseMemory('Name:\tnode\nVmHWM:\t  2048 kB\nVmRSS:\t  1024 kB\n')).toEqual({ rss: 1024 * 1024, peak: 2048 * 1024 })
  })
})

describe('ratio, percentile, bytes', () => {
  it('gives a multiple with two decimals, n/a without a base', () => {
    expect(ratio(3, 2)).toBe('1.50x')
    expect(ratio(3, 0)).toBe('n/a')
  })
  it('takes the nearest rank', () => {
    const sorted = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    expect(percentile(sorted, 50)).toBe(5)
    expect(percentile(sorted, 99)).toBe(10)
    expect(percentile(sorted, 0)).toBe(1)
    expect(percentile([], 50)).toBeNaN()
  })
  it('picks the unit', () => {
    expect(bytes(512)).toBe('512 B')
    expect(bytes(1536)).toBe('1.5 KiB')
    expect(bytes(1.5 * 1024 * 1024)).toBe('1.50 MiB')
    expect(bytes(3 * 1024 ** 3)).toBe('3.00 GiB')
    expect(bytes(2.5 * 1024 ** 4)).toBe('2.5 TiB')
  })
})

describe('formatTable', () => {
  it('aligns every column to its widest cell', () => {
    expect(
      formatTable(
        ['a', 'bb'],
        [
          ['xxx', 'y'],
          ['z', 'wwww'],
        ],
      ),
    ).toBe(['a    bb', '---  ----', 'xxx  y', 'z    wwww'].join('\n'))
  })
  it('refuses a row of the wrong width', () => {
    expect(() => formatTable(['a', 'b'], [['1']])).toThrow(/a row of 1 cells in a table of 2 columns/)
  })
})

describe('parsePrometheus and sumOf', () => {
  const text = [
    '# HELP apiserver_watch_events_sizes Watch event size distribution in bytes',
    '# TYPE apiserver_watch_events_sizes histogram',
    'apiserver_watch_events_sizes_sum{group="spiderpool.spidernet.io",resource="spiderippools",version="v2beta1"} 2665',
    'apiserver_watch_events_sizes_sum{group="",resource="pods",version="v1"} 2.0589435e+07',
    'apiserver_request_total{code="200",resource="spiderippools",verb="GET"} 10',
    'apiserver_request_total{code="409",resource="spiderippools",verb="PUT"} 2',
    'apiserver_request_total{code="200",resource="spiderippools",verb="PUT"} 5',
    'process_cpu_seconds_total 12.5',
    '',
  ].join('\n')
  const samples = parsePrometheus(text)
  it('keeps samples, drops comments', () => {
    expect(samples.size).toBe(6)
    expect(samples.get('process_cpu_seconds_total')).toBe(12.5)
  })
  it('sums the samples whose labels match', () => {
    expect(sumOf(samples, 'apiserver_watch_events_sizes_sum', { resource: 'pods' })).toBe(20589435)
    expect(sumOf(samples, 'apiserver_request_total', { resource: 'spiderippools', verb: 'PUT' })).toBe(7)
    expect(sumOf(samples, 'apiserver_request_total')).toBe(17)
    expect(sumOf(samples, 'process_cpu_seconds_total')).toBe(12.5)
    expect(sumOf(samples, 'apiserver_request_total', { verb: 'DELETE' })).toBe(0)
  })
})
