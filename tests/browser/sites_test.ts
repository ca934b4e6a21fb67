// Copyright 2026 the slabscope authors. MIT license.
// The "top sites by slots held" panel, a sampled slot's tooltip naming its
// site, and the diagnostics' CPU time in the footer, in real headless
// Chromium against a real Deno.serve.
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { DiagnosticsRegistry, SlabAllocator } from "../../mod.ts";
import { noBrowser } from "./_chromium.ts";
import { openPage, serve, until } from "./_dashboard_page.ts";

function leakyCache(slab: SlabAllocator): number {
  return slab.alloc()!;
}
function requestScratch(slab: SlabAllocator): number {
  return slab.alloc()!;
}

/** The rows of the panel's list for `slab`: site text, held, total, oldest. */
function siteRows(page: Page, slab: string) {
  return page.locator(`section.sites [data-slab="${slab}"] tbody tr`).evaluateAll((trs) =>
    trs.map((tr) => ({
      site: tr.querySelector("th code")!.textContent!,
      held: tr.querySelector('[data-field="held"]')!.textContent!,
      total: tr.querySelector('[data-field="total"]')!.textContent!,
      oldest: tr.querySelector('[data-field="oldest"]')!.textContent!,
    }))
  );
}

Deno.test({
  name:
    "sites: the panel lists the top sites by slots held, follows frees, shows what the table dropped; a sampled slot's tooltip names its site",
  ignore: noBrowser,
  async fn() {
    const registry = new DiagnosticsRegistry();
    const slab = registry.addSlab(
      new SlabAllocator({
        name: "cache",
        slotSize: 8,
        capacity: 64,
        sampleSites: 1,
        sampleBudget: 1,
        maxSites: 3,
      }),
    );
    const leaked: number[] = [];
    for (let i = 0; i < 5; i++) leaked.push(leakyCache(slab));
    const scratch: number[] = [];
    for (let i = 0; i < 2; i++) scratch.push(requestScratch(slab));
    // A handle slab labels its sites: the panel says what its total counts.
    const requests = registry.addSlab(
      new SlabAllocator({ name: "req", slotSize: 1, capacity: 8, kind: "handle" }),
    );
    requests.setSite(requests.alloc()!, "GET /users/:id");
    const origin = "GET https://an-origin-long-enough-to-wrap.example.com:44949";
    requests.setSite(requests.alloc()!, origin);
    const s = serve(registry);
    const { browser, page, problems } = await openPage(s.url);
    try {
      await page.waitForSelector('section.sites [data-slab="cache"] tbody tr');
      assert.deepEqual(
        (await siteRows(page, "req")).map((row) => [row.site, row.held, row.total]).sort(),
        [["GET /users/:id", "1", "1"], [origin, "1", "1"]],
      );
      // A label is shown whole (wrapped), not cut: origins may differ only at their end.
      const cut = await page.locator(`section.sites [data-slab="req"] th.site-text`).evaluateAll(
        (cells) => cells.filter((cell) => cell.scrollWidth > cell.clientWidth).length,
      );
      assert.equal(cut, 0, "no label cut short");
      assert.match(
        await page.locator('section.sites [data-field="label_total"]').innerText(),
        /label's total counts what was labelled.*Requests panel counts every\s+request/s,
      );
      let rows = await siteRows(page, "cache");
      assert.equal(rows.length, 2);
      assert.match(rows[0]!.site, /^at leakyCache /);
      assert.deepEqual([rows[0]!.held, rows[0]!.total], ["5", "5"]);
      assert.match(rows[1]!.site, /^at requestScratch /);
      assert.deepEqual([rows[1]!.held, rows[1]!.total], ["2", "2"]);
      assert.match(rows[0]!.oldest, /\d+(\.\d)? ?(ms|s|min)/);
      const heading = await page.locator('section.sites [data-slab="cache"] h3').innerText();
      assert.match(heading, /1 in 1 sampled · 2 of 3 sites/);

      // Frees and new sites travel in deltas: the list follows.
      for (const handle of leaked.splice(0, 4)) slab.free(handle);
      const sites = [
        (s: SlabAllocator) => s.alloc(),
        (s: SlabAllocator) => s.alloc(),
        (s: SlabAllocator) => s.alloc(),
      ];
      for (const site of sites) site(slab); // the third site of the table, then two dropped
      await until(async () => {
        rows = await siteRows(page, "cache");
        return rows[0]?.site.startsWith("at requestScratch ") === true;
      }, "the frees to reorder the list");
      assert.deepEqual([rows[0]!.held, rows[0]!.total], ["2", "2"]);
      const leaky = rows.find((row) => row.site.startsWith("at leakyCache "))!;
      assert.deepEqual([leaky.held, leaky.total], ["1", "5"]);
      await until(
        async () =>
          (await page.locator('section.sites [data-slab="cache"] [data-field="dropped"]')
            .innerText().catch(() => "")) === "2",
        "the dropped sites shown",
      );

      // A sampled slot's tooltip names its site.
      const canvas = page.locator('canvas[data-slab="cache"]');
      await canvas.focus();
      const index = slab.indexOf(scratch[0]!);
      assert.ok(index > 0);
      // Focus puts the cursor on slot 0; each arrow moves it one slot on.
      for (let i = 0; i < index; i++) await page.keyboard.press("ArrowRight");
      const tooltip = page.locator(".tooltip");
      await until(
        async () => /site\s+at requestScratch /.test(await tooltip.innerText().catch(() => "")),
        "the tooltip to name the slot's site",
      ).catch(async (error) => {
        throw new Error(`${error.message}; it says ${JSON.stringify(await tooltip.innerText())}`);
      });
      assert.match(await tooltip.innerText(), new RegExp(`slot ${index} · Used`));

      // The footer shows what the diagnostics cost, by phase. The stream's
      // figures ride on deltas (an idle stream sends none): a slot cycled
      // per check makes one.
      await until(
        async () => {
          slab.free(slab.alloc()!);
          return (await page.locator('footer [data-field="cpu"]').innerText()).includes("collect");
        },
        "the diagnostics' CPU time in the footer",
      );
      const cpu = await page.locator('footer [data-field="cpu"]').innerText();
      assert.match(cpu, /^diagnostics CPU [\d.]+ (µs|ms)\/s \([\d.]+ % of a core\): collect /);
      for (const phase of ["encode", "record", "send", "sample"]) {
        assert.match(cpu, new RegExp(phase));
      }
      assert.deepEqual(problems, []);
    } finally {
      await browser.close();
      await s.stop();
    }
  },
});
