// Copyright 2026 the slabscope authors. MIT license.
/** @jsxImportSource npm:preact@^10.29.8 */
import type { Signal } from "npm:@preact/signals@^2.11.4";
import { useSignal, useSignalEffect } from "npm:@preact/signals@^2.11.4";
import { useEffect, useRef, useState } from "npm:preact@^10.29.8/hooks";
import type { MemorySnapshot } from "../core/wire/types.ts";
import { formatBytes, formatCount, formatDuration, formatMoment } from "../client/format.ts";
import { diffMoments, type MomentDiff } from "../client/moment_diff.ts";
import { Timeline as TimelineData } from "../client/timeline.ts";
import type { HistoryView } from "../client/usage_history.ts";
import { PoolHistory } from "../components/pool_history.tsx";
import { useMomentInUrl } from "../client/moment_url.ts";

/** Props of {@linkcode Timeline}. */
export interface TimelineProps {
  /** URL of `…/diagnostics/recording`. */
  recordingUrl: string;
  /** The state shown; written here while a moment of the past is shown. */
  snapshot: Signal<MemorySnapshot | null>;
  /** The moment shown, as an event id; `null` follows live. */
  moment: Signal<string | null>;
  /** The moment compared with, as an event id; `null` for none. */
  compare: Signal<string | null>;
  /** Written with the differences between `compare` and `moment`. */
  diff: Signal<MomentDiff | null>;
  /** Written with every pool's usage history (and the heap's). */
  history: Signal<HistoryView | null>;
  /** The fleet instance shown: the timeline is this process's only. */
  instance: Signal<string | null>;
  /** A recording being replayed: no live end, it opens at its last moment. */
  replay: boolean;
}

type Mode = "live" | "paused" | "playing";

/** Ms between two frames of playback. */
const PLAY_TICK = 50;
/** Ms between two redraws of the history while live. */
const HISTORY_REFRESH = 1000;
/** Ms a moment must stay before its diff is computed (while scrubbing). */
const DIFF_DELAY = 150;
/** Ms after the first live picture before the recording is fetched. */
const LOAD_DELAY = 500;
/** Performance marks around the recording's fetch and read, for the replay benchmark. */
const LOAD_START_MARK = "slabscope:recording-fetch";
const LOADED_MARK = "slabscope:recording-read";

/**
 * The timeline: pause, scrub back over the recorder's window, step one tick
 * at a time, play at 1× and 4×, back to live; the URL carries the moment
 * (`?at=<id>`, and `&compare=<id>` for a diff) so that a link shows the
 * same picture. Every island reading `snapshot` shows the moment chosen.
 * Below, each pool's use over the window; a click there goes to that moment.
 */
export default function Timeline(props: TimelineProps) {
  const { recordingUrl, snapshot, moment, compare, diff, history, instance, replay } = props;
  const data = useRef<TimelineData | null>(null);
  const loaded = useSignal(0);
  const [status, setStatus] = useState<{ error?: string; loading: boolean }>({ loading: true });
  const [mode, setMode] = useState<Mode>(moment.peek() === null && !replay ? "live" : "paused");
  const [speed, setSpeed] = useState(1);
  const [notice, setNotice] = useState<string | null>(null);
  const [progress, setProgress] = useState<number | null>(null);
  const refreshing = useRef(false);
  /** Whether a moment was shown yet (a link's moment that is gone goes to now instead). */
  const shownOnce = useRef(false);
  const scrub = useRef<HTMLDivElement>(null);
  const lastHistory = useRef(0);

  const publishHistory = () => {
    const t = data.current;
    if (t !== null) {
      history.value = { history: t.history, version: (history.peek()?.version ?? 0) + 1 };
    }
  };
  const loadedNow = () => {
    loaded.value++;
    publishHistory();
  };

  // Fetch the recording: at once for a replay or a link to a moment, else
  // once the first live picture is drawn (it competes with nothing then).
  useEffect(() => {
    const abort = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = async () => {
      try {
        performance.mark(LOAD_START_MARK);
        data.current = await TimelineData.load(recordingUrl, abort.signal);
        performance.mark(LOADED_MARK);
        setStatus({ loading: false });
        if (replay && moment.peek() === null) {
          const t = data.current;
          moment.value = t.idOf(t.seqs[t.seqs.length - 1]!);
        }
        loadedNow();
      } catch (error) {
        if (!abort.signal.aborted) setStatus({ loading: false, error: (error as Error).message });
      }
    };
    if (replay || moment.peek() !== null) void load();
    else {
      const wait = () => {
        if (snapshot.peek()?.slabs.some((s) => s.bitmap !== undefined || s.states !== undefined)) {
          timer = setTimeout(load, LOAD_DELAY);
        } else {
          timer = setTimeout(wait, 100);
        }
      };
      wait();
    }
    return () => {
      clearTimeout(timer);
      abort.abort();
    };
  }, [recordingUrl]);

  /** Fetches what was recorded since; true when the moment is now held. */
  const refresh = async (): Promise<void> => {
    const t = data.current;
    if (t === null || refreshing.current || replay) return;
    refreshing.current = true;
    try {
      if (await t.refresh()) loadedNow();
    } catch (error) {
      setNotice((error as Error).message);
    } finally {
      refreshing.current = false;
    }
  };

  // Show the moment chosen: its state goes to every island.
  useSignalEffect(() => {
    const id = moment.value;
    void loaded.value;
    const t = data.current;
    if (id === null || t === null) return;
    const seq = TimelineData.parseMoment(id, t.boot);
    if (seq === undefined || t.indexOf(seq) < 0) {
      if (refreshing.current) return; // it may arrive with the fetch under way
      setNotice(
        `The moment ${id} is not in the recording (it holds ${formatMoment(t.times[0]!)} to ${
          formatMoment(t.times[t.times.length - 1]!)
        }).`,
      );
      // A link to a moment gone by: show now (or a replay's end) instead.
      if (!shownOnce.current) {
        if (replay) moment.value = t.idOf(t.seqs[t.seqs.length - 1]!);
        else {
          setMode("live");
          moment.value = null;
        }
      }
      return;
    }
    shownOnce.current = true;
    setNotice(null);
    const started = performance.now();
    try {
      snapshot.value = t.stateAt(seq);
    } catch (error) {
      setNotice((error as Error).message);
      return;
    }
    const ms = performance.now() - started;
    if (scrub.current !== null) {
      scrub.current.dataset.scrubMs = ms.toFixed(2);
      scrub.current.dataset.seq = String(seq);
    }
  });

  // Live states grow the history between fetches.
  useSignalEffect(() => {
    const state = snapshot.value;
    const t = data.current;
    if (state === null || t === null || moment.peek() !== null || instance.peek() !== null) return;
    t.history.addState(state);
    if (performance.now() - lastHistory.current > HISTORY_REFRESH) {
      lastHistory.current = performance.now();
      publishHistory();
    }
  });

  useMomentInUrl(moment, compare);

  // The diff of the two moments, once the moment settles.
  useSignalEffect(() => {
    const a = compare.value;
    const b = moment.value;
    void loaded.value;
    const t = data.current;
    if (a === null || b === null || t === null) {
      diff.value = null;
      return;
    }
    const from = TimelineData.parseMoment(a, t.boot);
    const to = TimelineData.parseMoment(b, t.boot);
    if (from === undefined || to === undefined || t.indexOf(from) < 0 || t.indexOf(to) < 0) {
      diff.value = null;
      return;
    }
    const abort = new AbortController();
    const timer = setTimeout(async () => {
      try {
        setProgress(0);
        const result = await diffMoments(t, from, to, {
          signal: abort.signal,
          onProgress: (done) => setProgress(done),
        });
        diff.value = result;
        setProgress(null);
      } catch (error) {
        if (!abort.signal.aborted) setNotice((error as Error).message);
      }
    }, DIFF_DELAY);
    return () => {
      clearTimeout(timer);
      abort.abort();
    };
  });

  // Playback: recorded time moves at 1× or 4× the wall clock, from the
  // moment shown; at the end, a replay stops and a live recording goes live.
  useEffect(() => {
    if (mode !== "playing") return;
    const start = data.current;
    const startSeq = start === null
      ? undefined
      : TimelineData.parseMoment(moment.peek(), start.boot);
    if (start === null || startSeq === undefined) return;
    let played = start.times[start.indexOf(startSeq)]!;
    let before = performance.now();
    let busy = false;
    const timer = setInterval(async () => {
      const t = data.current;
      if (t === null || busy) return;
      const now = performance.now();
      played += (now - before) * speed;
      before = now;
      const next = t.indexAt(played);
      const current = TimelineData.parseMoment(moment.peek(), t.boot);
      if (current === undefined || t.seqs[next] !== current) moment.value = t.idOf(t.seqs[next]!);
      if (next < t.seqs.length - 1) return;
      if (replay) return setMode("paused");
      busy = true;
      await refresh();
      busy = false;
      const after = data.current!;
      if (after.indexAt(played) >= after.seqs.length - 1 && played >= after.times.at(-1)!) goLive();
    }, PLAY_TICK);
    return () => clearInterval(timer);
  }, [mode, speed]);

  const t = data.current;
  void loaded.value;
  const id = moment.value;
  const seq = t === null ? undefined : TimelineData.parseMoment(id, t.boot);
  const index = t === null || seq === undefined ? -1 : t.indexOf(seq);
  const last = t === null ? -1 : t.seqs.length - 1;

  const goTo = (i: number) => {
    if (t === null) return;
    const clamped = Math.max(0, Math.min(last, i));
    moment.value = t.idOf(t.seqs[clamped]!);
  };
  const pause = () => {
    if (mode === "playing") return setMode("paused");
    const live = snapshot.peek();
    if (t === null || live === null) return;
    // Freeze the picture now; the recording catches up behind it.
    moment.value = t.idOf(live.seq);
    setMode("paused");
    void refresh();
  };
  const goLive = () => {
    setMode("live");
    compare.value = null;
    moment.value = null;
  };
  const play = (rate: number) => {
    if (t === null) return;
    if (moment.peek() === null) {
      pause();
    } else if (index >= last && replay) {
      goTo(0); // play a finished replay from the start
    }
    setSpeed(rate);
    setMode("playing");
  };
  const seekTime = (ts: number) => {
    if (t === null) return;
    if (mode === "live") pause();
    if (mode === "playing") setMode("paused");
    goTo(t.indexAt(ts));
  };

  if (instance.value !== null) {
    return (
      <section class="panel timeline" data-mode="fleet">
        <p class="muted small">The timeline and recordings are this process's only.</p>
      </section>
    );
  }
  const shownTs = index >= 0 ? t!.times[index]! : snapshot.value?.ts;
  const endTs = t === null ? undefined : replay ? t.times[last] : Math.max(
    t.times[last]!,
    history.value?.history.lastTs ?? 0,
  );
  const startTs = t?.times[0];
  const compareSeq = t === null ? undefined : TimelineData.parseMoment(compare.value, t.boot);
  const compareTs = compareSeq === undefined || t === null || t.indexOf(compareSeq) < 0
    ? undefined
    : t.times[t.indexOf(compareSeq)];
  const download = compare.value !== null && id !== null
    ? `${recordingUrl}?from=${encodeURIComponent(compareTs! <= shownTs! ? compare.value : id)}&to=${
      encodeURIComponent(compareTs! <= shownTs! ? id : compare.value)
    }`
    : recordingUrl;
  const stream = snapshot.value?.stream;
  return (
    <section
      class={`panel timeline ${mode}`}
      aria-label="timeline"
      data-mode={mode}
      data-moment={id ?? "live"}
      ref={scrub}
    >
      <div class="timeline-bar">
        {mode !== "paused" && (
          <button
            type="button"
            onClick={pause}
            disabled={t === null}
            title={mode === "live" ? "pause (keep this picture)" : "pause the playback"}
          >
            Pause
          </button>
        )}
        {mode !== "live" && !replay && (
          <button type="button" class="live-button" onClick={goLive} title="follow live again">
            Live
          </button>
        )}
        <button
          type="button"
          onClick={() => (mode === "live" ? pause() : goTo(index - 1))}
          disabled={t === null || index === 0}
          aria-label="step back one tick"
        >
          ‹ Step
        </button>
        <button
          type="button"
          onClick={() => goTo(index + 1)}
          disabled={t === null || mode === "live" || index >= last}
          aria-label="step forward one tick"
        >
          Step ›
        </button>
        <button
          type="button"
          class={mode === "playing" && speed === 1 ? "selected" : ""}
          aria-pressed={mode === "playing" && speed === 1}
          onClick={() => play(1)}
          disabled={t === null}
        >
          Play 1×
        </button>
        <button
          type="button"
          class={mode === "playing" && speed === 4 ? "selected" : ""}
          aria-pressed={mode === "playing" && speed === 4}
          onClick={() => play(4)}
          disabled={t === null}
        >
          Play 4×
        </button>
        <input
          type="range"
          class="scrubber"
          min={0}
          max={Math.max(0, last)}
          step={1}
          value={mode === "live" || index < 0 ? Math.max(0, last) : index}
          disabled={t === null}
          aria-label="moment"
          aria-valuetext={shownTs === undefined ? "live" : formatMoment(shownTs)}
          onInput={(event) => {
            if (mode !== "paused") setMode("paused");
            if (mode === "live") void refresh();
            goTo(Number((event.currentTarget as HTMLInputElement).value));
          }}
        />
        <span class="timeline-time" aria-live="off">
          {mode === "live" ? <strong>live</strong> : shownTs === undefined ? "…" : (
            <>
              <strong>{formatMoment(shownTs)}</strong>
              {endTs !== undefined && (
                <span class="muted">
                  {" "}
                  {endTs - shownTs < 1
                    ? "(the end)"
                    : `${formatDuration(endTs - shownTs)} before ${replay ? "the end" : "now"}`}
                </span>
              )}
            </>
          )}
        </span>
        {mode !== "live" && (
          compare.value === null
            ? (
              <button
                type="button"
                onClick={() => (compare.value = id)}
                disabled={index < 0}
                title="mark this moment, then go to another to compare"
              >
                Compare from here
              </button>
            )
            : (
              <span class="compare-info">
                comparing with {compareTs === undefined ? compare.value : formatMoment(compareTs)}
                {progress !== null && ` (${Math.round(progress * 100)} %)`}{" "}
                <button type="button" onClick={() => (compare.value = null)}>clear</button>
              </span>
            )
        )}
        <a class="download" href={download} download>
          {compare.value !== null && id !== null ? "Download this stretch" : "Download recording"}
        </a>
      </div>
      <p class="timeline-status muted small">
        {status.loading
          ? "Loading the recording…"
          : status.error !== undefined
          ? status.error
          : mode === "live" && !replay && stream !== undefined
          // Live, the moments loaded are as old as the last fetch; the recorder's figures are not.
          ? `the recorder holds ${formatDuration(stream.recorded_ms)} (${
            formatBytes(stream.recorded_bytes)
          }): pause to go back in it`
          : `${formatCount(last + 1)} moments from ${formatMoment(startTs!)}${
            stream !== undefined && !replay
              ? ` · recorder: ${formatDuration(stream.recorded_ms)}, ${
                formatBytes(stream.recorded_bytes)
              }`
              : ""
          }`}
        {notice !== null && <span class="notice">· {notice}</span>}
      </p>
      {t !== null && startTs !== undefined && endTs !== undefined && history.value !== null && (
        <PoolHistory
          pools={history.value.history.pools}
          start={startTs}
          end={endTs}
          cursor={mode === "live" ? undefined : shownTs}
          compare={compareTs}
          replay={replay}
          onSeek={seekTime}
        />
      )}
    </section>
  );
}
