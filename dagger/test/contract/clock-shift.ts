/**
 * Preloaded into the module's process (harness.ts `clockOffsetMs`): its wall clock reads
 * PIPELINE_CONTRACT_CLOCK_OFFSET_MS later than the host's, so a test can run one commit's
 * function "a year later" and see whether anything the module sends depends on the clock.
 * `new Date()` and `Date.now()` move; dates built from a value are left alone.
 */
const offset = Number(process.env.PIPELINE_CONTRACT_CLOCK_OFFSET_MS ?? 0);
if (offset) {
  const RealDate = Date;
  class ShiftedDate extends RealDate {
    constructor(...args: ConstructorParameters<DateConstructor> | []) {
      if (args.length === 0) super(RealDate.now() + offset);
      else super(...(args as [string | number | Date]));
    }
    static override now(): number {
      return RealDate.now() + offset;
    }
  }
  globalThis.Date = ShiftedDate as DateConstructor;
}
