// What every recording parser yields: a reading it could read, or a skip with its reason and line.

/** A reading read from a recording, before its time is shifted and its heart rate rounded. */
export interface ParsedReading {
  customerId: string;
  /** Event time, epoch ms, as recorded. */
  timeMs: number;
  /** As recorded: may be fractional (FHIR, Apple Health); the publisher rounds it. */
  heartRate: number;
}

/**
 * A row, record or resource that cannot become a reading. `reason` is a stable snake_case word
 * (counted per reason in the summary); `line` is 1-based in the (decompressed) file.
 */
export interface Skip {
  skip: string;
  line: number;
  /** 1-based index of the resource within a FHIR Bundle, when the skip is one of its entries. */
  entry?: number;
}

/** One item of a parser's output, in file order. */
export type ParseItem = (ParsedReading & { line: number }) | Skip;

export function isSkip(item: ParseItem): item is Skip {
  return 'skip' in item;
}
