/**
 * Paired rounds: two servers measured at the same time, each under its own load, sharing one
 * core. On a shared machine a run of a few seconds measures the machine as much as the server (the
 * same build's CPU per answer moved by a factor of two between rounds of one run); whatever slows
 * one server of a pair slows the other alike, so their ratio holds where each one's figures do not.
 */

/** One round of a pair: its two samples, taken over the same seconds. */
export interface PairRound<S> {
  a: S;
  b: S;
}

export interface PairedRuns<P, S> {
  /** Per pair, one valid round per round asked for (or the last invalid try). */
  rounds: Map<P, PairRound<S>[]>;
  /** Rounds measured again because a side was invalid: kept out of the medians. */
  retried: Map<P, PairRound<S>[]>;
}

/**
 * Measures every pair once per round, in an order that rotates from round to round; a round
 * with an invalid side is measured again, twice at most (a stall can starve a run), and kept in
 * `retried`.
 */
export async function pairedRounds<P, S extends { valid: boolean }>(
  pairs: readonly P[],
  rounds: number,
  measure: (pair: P) => Promise<PairRound<S>>,
  log: (pair: P, round: number, sample: PairRound<S>) => void,
): Promise<PairedRuns<P, S>> {
  const measured = new Map<P, PairRound<S>[]>(pairs.map((pair) => [pair, []]));
  const retried = new Map<P, PairRound<S>[]>(pairs.map((pair) => [pair, []]));
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < pairs.length; i++) {
      const pair = pairs[(i + round) % pairs.length] as P;
      for (let attempt = 0; ; attempt++) {
        const sample = await measure(pair);
        log(pair, round + 1, sample);
        if ((sample.a.valid && sample.b.valid) || attempt === 2) {
          measured.get(pair)?.push(sample);
          break;
        }
        retried.get(pair)?.push(sample);
      }
    }
  }
  return { rounds: measured, retried };
}
