// Copyright 2026 the slabscope authors. MIT license.
/** @jsxImportSource npm:preact@^10.29.8 */
import assert from "node:assert/strict";
import { renderToString } from "npm:preact-render-to-string@^6.8.2";
import { HeapChart, scaleTop } from "../../components/heap_chart.tsx";

const WIDTH = 240;
const HEIGHT = 32;

function pointsOf(html: string): [number, number][] {
  const match = /points="([^"]*)"/.exec(html);
  assert.ok(match, "a polyline");
  return match[1]!.trim().split(" ").map((p) => p.split(",").map(Number) as [number, number]);
}

function render(times: number[], values: number[], end: number, window: number): string {
  return renderToString(
    <HeapChart
      series={{ times, values }}
      end={end}
      window={window}
      format={String}
      label="rss"
      line="rss"
    />,
  );
}

Deno.test("heap chart: a few samples are drawn as a step line through each of them", () => {
  const points = pointsOf(render([0, 500, 1000], [10, 30, 20], 2000, 2000));
  const top = scaleTop(30);
  const y = (v: number) => Number((HEIGHT - (v / top) * HEIGHT).toFixed(1));
  assert.deepEqual(points, [
    [0, y(10)],
    [60, y(10)],
    [60, y(30)],
    [120, y(30)],
    [120, y(20)],
    [WIDTH, y(20)],
  ]);
});

Deno.test("heap chart: thousands of samples cost at most four points a column, and keep every column's range", () => {
  const times: number[] = [];
  const values: number[] = [];
  let value = 1_000;
  for (let i = 0; i < 5_000; i++) {
    times.push(i * 60);
    value = Math.max(0, value + Math.round((Math.sin(i * 7.3) + Math.cos(i * 1.7)) * 40));
    values.push(value);
  }
  const end = times.at(-1)! + 30;
  const window = end - times[0]!;
  const points = pointsOf(render(times, values, end, window));
  assert.ok(points.length <= 4 * WIDTH + 1, `${points.length} points`);
  // Every column spans exactly the values drawn in it, and the value it enters with.
  let peak = 0;
  for (const v of values) peak = Math.max(peak, v);
  const y = (v: number) => Number((HEIGHT - (v / scaleTop(peak)) * HEIGHT).toFixed(1));
  const expected = new Map<number, { low: number; high: number }>();
  let before: number | undefined;
  for (let i = 0; i < times.length; i++) {
    const column = Math.min(WIDTH - 1, Math.floor(((times[i]! - times[0]!) / window) * WIDTH));
    const span = expected.get(column) ??
      {
        low: Math.min(before ?? values[i]!, values[i]!),
        high: Math.max(before ?? values[i]!, values[i]!),
      };
    span.low = Math.min(span.low, values[i]!);
    span.high = Math.max(span.high, values[i]!);
    expected.set(column, span);
    before = values[i]!;
  }
  const drawn = new Map<number, { low: number; high: number }>();
  for (const [x, py] of points.slice(0, -1)) {
    const span = drawn.get(x) ?? { low: Infinity, high: -Infinity };
    // y grows downwards: the lowest value has the largest y.
    span.low = Math.min(span.low, -py);
    span.high = Math.max(span.high, -py);
    drawn.set(x, span);
  }
  assert.equal(drawn.size, expected.size);
  for (const [column, span] of expected) {
    const seen = drawn.get(column);
    assert.ok(seen, `column ${column} drawn`);
    assert.equal(-seen.low, y(span.low), `column ${column}: its lowest value`);
    assert.equal(-seen.high, y(span.high), `column ${column}: its highest value`);
  }
  // The line ends at the right edge at the last value.
  assert.deepEqual(points.at(-1), [WIDTH, y(values.at(-1)!)]);
});
