//! A gzip member encoder for sparse, run-dominated payloads (issue 6).
//!
//! A quantized sparse gene is a long vector of one *fill* element (the code of an implicit
//! zero) broken by a few stored codes. A general deflate encoder needs the dense bytes and
//! searches them for matches; this encoder works from the sparse column itself
//! (`rows`, `codes`, `fill`, `n_rows`):
//!
//! * each run of `L` fill elements is emitted as the first element's bytes as literals and the
//!   rest as deflate matches at distance = element width (1 or 2 bytes), up to 258 bytes each;
//! * each stored code is emitted as its little-endian bytes as literals (stored codes equal to
//!   the fill code simply join the run);
//! * the tokens go into one final deflate block with a dynamic Huffman code built from their
//!   frequencies (lengths limited to 15 bits, code-length code to 7), or the fixed code when
//!   that is smaller;
//! * the CRC-32 is computed from the column too: for a very sparse column each run in
//!   `O(log L)` table steps (see `runs/crc.rs`), otherwise over the dense bytes rebuilt 32 KiB
//!   at a time (SIMD CRC is cheaper there; see [`DENSE_CRC_MAX_BYTES_PER_ENTRY`]);
//! * the member is framed with [`header_bytes`] and
//!   [`trailer_bytes`] (format.md §19 header rules).
//!
//! Work is `O(nnz + n_rows / 258)` for very sparse columns and `O(nnz + n_rows / 64)`-ish
//! otherwise (the block CRC); memory is the output plus 32 KiB. The whole dense payload is
//! never held and nothing is searched.
//!
//! **Why hand-written.** No maintained Rust crate produces deflate from a run/sparse
//! description: flate2, miniz_oxide, zlib-rs and libdeflater all take the dense bytes and find
//! the runs again by hashing. The deflate bit format (RFC 1951) is small and fully specified,
//! and every output is checked by inflating it with flate2 in the tests.
//!
//! **When to use it.** [`encode_column_member`] uses this encoder alone when the column is
//! sparse enough ([`RUNS_ONLY_MAX_DENSITY`], measured against zlib level 6) or, for 8-bit
//! codes, rich in distinct codes ([`RUNS_ONLY_MAX_DENSITY_U8_RICH`], and at any density for
//! atlas-sized columns without a dominant stored code: [`RICH_RUNS_ONLY_MIN_BYTES`]);
//! otherwise it also runs the general encoder ([`encode_payload_member`], whose policy its
//! module documents: libdeflate, plus stock zlib on compressible payloads up to
//! [`super::ZLIB_CHECK_MAX_BYTES`]) on the dense bytes and keeps the smaller member.

mod crc;

use cellucid_quant::{codes_to_le_bytes, Code, SparseQuantized};

use self::crc::RunCrc;
use super::deflate::{
    BitString, BitWriter, Block, Emitter, Frequencies, Sink, END_OF_BLOCK, LENGTH_TABLE, MAX_MATCH,
    MIN_MATCH,
};
use super::{encode_payload_member, header_bytes, trailer_bytes};

/// Largest density (stored entries / rows) at which [`encode_column_member`] uses the run
/// encoder alone. Above it, runs are short enough that a general encoder's matches across
/// stored values can win, so both encoders run and the smaller member is kept. Chosen from the
/// measurements in `tests/gzip_runs_size.rs` (the run encoder was smaller than zlib level 6 at
/// every density up to 15 % for u8 and u16 codes).
pub const RUNS_ONLY_MAX_DENSITY: f64 = 0.1;

/// A sparse column that cannot be encoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RunsError {
    /// `rows` and `codes` differ in length.
    #[error("sparse column has {rows} row indices but {codes} codes; they must pair up")]
    LengthMismatch {
        /// Number of rows.
        rows: usize,
        /// Number of codes.
        codes: usize,
    },
    /// Rows are not strictly ascending.
    #[error(
        "sparse column rows must be strictly ascending, but entry {position} (row {row}) does not \
         follow row {previous}; sort and deduplicate the column first"
    )]
    NotAscending {
        /// Position of the offending entry.
        position: usize,
        /// Its row.
        row: u32,
        /// The row before it.
        previous: u32,
    },
    /// The column is longer than [`MAX_ROWS`] (its symbol counts would overflow).
    #[error(
        "a column of {n_rows} rows is longer than the run encoder takes ({max} rows); export \
         it without compression, or split the dataset",
        max = MAX_ROWS
    )]
    TooManyRows {
        /// Number of rows.
        n_rows: usize,
    },
    /// A row is not below `n_rows`.
    #[error("sparse column entry {position} has row {row}, outside 0..{n_rows}")]
    RowOutOfRange {
        /// Position of the offending entry.
        position: usize,
        /// Its row.
        row: u32,
        /// Number of rows.
        n_rows: usize,
    },
}

/// Dense payload bytes per stored entry up to which the CRC-32 is computed over the rebuilt
/// dense bytes (SIMD `crc32fast`, ~0.1 ns a byte) rather than run by run (~10–20 ns a run in
/// [`crc::RunCrc`], table steps per set bit of the run length). Measured on a 100k-cell q8
/// export, the run CRC took 6 % of all CPU at 11 % density; the block CRC is cheaper until
/// runs average well over a hundred bytes.
pub const DENSE_CRC_MAX_BYTES_PER_ENTRY: u64 = 64;

/// Rows per block when the dense payload is rebuilt for its CRC (32 KiB of u8 codes).
const DENSE_CRC_BLOCK_ROWS: usize = 32 << 10;

/// Which encoder(s) [`encode_column_member`] tries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EncoderChoice {
    /// Only [`encode_runs_member`]: tokens straight from the sparse column.
    Runs,
    /// Both the run encoder and [`encode_payload_member`] on the dense bytes;
    /// the smaller member wins (the run encoder on a tie).
    Smallest,
}

/// Density up to which an 8-bit column with many distinct codes is still encoded by the run
/// encoder alone, whatever its size: measured smaller than zlib level 6 up to 90 % density on
/// log-normalised genes (`benches/gzip_runs/README.md`), so only columns with few distinct
/// codes (where zlib finds long repeats of code patterns) need the general encoder as well.
/// Above it, see [`RICH_RUNS_ONLY_MIN_BYTES`].
pub const RUNS_ONLY_MAX_DENSITY_U8_RICH: f64 = 0.5;

/// Distinct stored codes from which an 8-bit column counts as "rich" (see
/// [`RUNS_ONLY_MAX_DENSITY_U8_RICH`]).
pub const RICH_DISTINCT_CODES: usize = 32;

/// Dense payload size (bytes) from which a rich 8-bit column above
/// [`RUNS_ONLY_MAX_DENSITY_U8_RICH`] is also encoded by the run encoder alone, provided no
/// stored code fills more than [`RICH_MAX_CODE_SHARE`] of the rows.
///
/// **Why.** Such a gene (highly expressed, log-normalised: 50–100 % stored, hundreds of codes)
/// is close to independent bytes, and the run encoder's single Huffman block is then smaller
/// than zlib level 6 at every density measured: 43 of the 2,000 genes of make_synth 100k × 2k
/// (51–95 % density) came out 0.5–10 % smaller than zlib and than libdeflate, and the synthetic
/// genes of `tests/gzip_runs_size.rs` at 70–100 %. Running both general encoders on them
/// anyway was 12 % of the export's CPU. Below this size the general encoders still run (they
/// cost a few milliseconds), because there the dynamic block header weighs more: on 700-row
/// golden genes zlib won by a few bytes.
pub const RICH_RUNS_ONLY_MIN_BYTES: usize = 64 << 10;

/// Largest share of the rows one stored code may fill for a dense rich column to be encoded
/// by the run encoder alone ([`RICH_RUNS_ONLY_MIN_BYTES`]). A column with a dominant stored
/// code (scaled data, where every zero count became the same non-zero value) has long runs the
/// run encoder writes as literals and zlib as matches: on the golden scaled genes zlib was up
/// to 20 % smaller.
pub const RICH_MAX_CODE_SHARE: f64 = 0.25;

/// The density rule alone: the run encoder up to [`RUNS_ONLY_MAX_DENSITY`], both above.
fn choose_by_density(nnz: usize, n_rows: usize) -> EncoderChoice {
    if (nnz as f64) <= RUNS_ONLY_MAX_DENSITY * n_rows as f64 {
        EncoderChoice::Runs
    } else {
        EncoderChoice::Smallest
    }
}

/// Which encoder(s) [`encode_column_member`] runs for `column`: the density rule
/// ([`RUNS_ONLY_MAX_DENSITY`]), refined for 8-bit columns by their number of distinct codes
/// ([`RUNS_ONLY_MAX_DENSITY_U8_RICH`]), their size and their most frequent stored code
/// ([`RICH_RUNS_ONLY_MIN_BYTES`]). Every [`EncoderChoice::Runs`] is a measured choice: see
/// `benches/gzip_runs/README.md`.
pub fn choose_encoder<C: Code>(column: &SparseQuantized<C>) -> EncoderChoice {
    let basic = choose_by_density(column.nnz(), column.n_rows);
    if basic == EncoderChoice::Runs || C::WIDTH.byte_width() != 1 {
        return basic;
    }
    let mut counts = [0usize; 256];
    for code in &column.codes {
        counts[usize::from(code.to_u16()) & 0xff] += 1;
    }
    let distinct = counts.iter().filter(|&&c| c > 0).count();
    if distinct < RICH_DISTINCT_CODES {
        return basic;
    }
    if (column.nnz() as f64) <= RUNS_ONLY_MAX_DENSITY_U8_RICH * column.n_rows as f64 {
        return EncoderChoice::Runs;
    }
    let fill = usize::from(column.fill_code.to_u16()) & 0xff;
    let top = counts
        .iter()
        .enumerate()
        .filter(|&(code, _)| code != fill)
        .map(|(_, &c)| c)
        .max()
        .unwrap_or(0);
    if column.n_rows >= RICH_RUNS_ONLY_MIN_BYTES
        && (top as f64) <= RICH_MAX_CODE_SHARE * column.n_rows as f64
    {
        EncoderChoice::Runs
    } else {
        basic
    }
}

/// Encodes a quantized sparse column as one gzip member, choosing the encoder with
/// [`choose_encoder`]. `level` sets the header's XFL (and the general encoder's level). Where
/// the general encoder runs too ([`EncoderChoice::Smallest`]), the result is never larger than
/// its member; where the run encoder runs alone, it was smaller than zlib at `level` in every
/// measurement (not a proof: see [`choose_encoder`]). Sparse columns cost `O(nnz)` instead of a
/// dense deflate.
///
/// # Errors
/// [`RunsError`] when the column is malformed (rows not ascending, out of range, or not paired
/// with codes).
pub fn encode_column_member<C: Code>(
    column: &SparseQuantized<C>,
    level: u32,
) -> Result<Vec<u8>, RunsError> {
    let runs = encode_runs_member(
        &column.rows,
        &column.codes,
        column.fill_code,
        column.n_rows,
        level,
    )?;
    match choose_encoder(column) {
        EncoderChoice::Runs => Ok(runs),
        EncoderChoice::Smallest => {
            let general = encode_payload_member(&codes_to_le_bytes(&column.to_dense()), level);
            Ok(if general.len() < runs.len() {
                general
            } else {
                runs
            })
        }
    }
}

/// Encodes the dense payload of a sparse column (`fill` everywhere except `rows[k]`, which
/// holds `codes[k]`; codes little-endian, 1 or 2 bytes) as one gzip member, without building
/// the dense payload. `level` only sets the header's XFL byte (format.md §19).
///
/// # Errors
/// [`RunsError`] when `rows` and `codes` differ in length, or rows are not strictly ascending
/// and below `n_rows`.
pub fn encode_runs_member<C: Code>(
    rows: &[u32],
    codes: &[C],
    fill: C,
    n_rows: usize,
    level: u32,
) -> Result<Vec<u8>, RunsError> {
    if rows.len() != codes.len() {
        return Err(RunsError::LengthMismatch {
            rows: rows.len(),
            codes: codes.len(),
        });
    }
    if n_rows > MAX_ROWS {
        return Err(RunsError::TooManyRows { n_rows });
    }
    let column = Column {
        rows,
        codes,
        fill,
        n_rows: n_rows as u64,
        width: C::WIDTH.byte_width(),
    };

    // Pass 1: the column checked, symbol frequencies, and the CRC.
    let (mut freqs, runs) = column.gather()?;
    freqs.lit[END_OF_BLOCK] += 1;
    let (crc, len) = column.crc();

    // Pass 2: the block.
    let block = Block::plan(&freqs);
    let mut out = Vec::with_capacity(block.bytes_estimate() + 64);
    out.extend_from_slice(&header_bytes(level));
    let mut w = BitWriter::new(out);
    w.reserve(block.bytes_estimate() + 8);
    block.write_header(&mut w, true);
    let mut emitter = Emitter { w, block: &block };
    column.emit(&mut emitter, &runs.tabulate(&column, &block));
    emitter.symbol(END_OF_BLOCK);
    let mut out = emitter.w.finish();
    out.extend_from_slice(&trailer_bytes(crc, len));
    Ok(out)
}

/// Longest column [`encode_runs_member`] takes: with 2-byte codes every symbol count stays
/// below 2^32.
pub const MAX_ROWS: usize = (u32::MAX / 2) as usize;

/// Runs shorter than this many fill elements are counted by length in the first pass and
/// written from a per-column table of their bit strings in the second (one or two writes
/// instead of a token walk per run); longer runs, rare and cheap per element, token by token.
const TABLED_RUNS: usize = 1024;

/// How many runs of each length below [`TABLED_RUNS`] a column has.
struct RunLengths {
    counts: Vec<u32>,
}

impl RunLengths {
    /// Adds the tokens of every counted run to `freqs`.
    fn add_tokens<C: Code>(&self, column: &Column<'_, C>, freqs: &mut Frequencies) {
        for (len, &count) in self.counts.iter().enumerate() {
            if count > 0 {
                column.run(
                    &mut Scaled {
                        freqs,
                        times: count,
                    },
                    len as u64,
                );
            }
        }
    }

    /// The bit string of each counted run length under `block`'s codes (runs whose string
    /// does not fit 64 bits are marked and written token by token).
    fn tabulate<C: Code>(&self, column: &Column<'_, C>, block: &Block) -> Vec<BitString> {
        let mut table = vec![BitString::default(); self.counts.len()];
        for (len, &count) in self.counts.iter().enumerate() {
            if count > 0 {
                let mut e = Emitter {
                    w: BitString::default(),
                    block,
                };
                column.run(&mut e, len as u64);
                table[len] = e.w;
            }
        }
        table
    }
}

/// Adds each token `times` times (the runs of one length, counted once).
struct Scaled<'a> {
    freqs: &'a mut Frequencies,
    times: u32,
}

impl Sink for Scaled<'_> {
    fn literal(&mut self, byte: u8) {
        self.freqs.lit[usize::from(byte)] += self.times;
    }

    fn matched(&mut self, len: u16, dist: u16) {
        let (sym, extra, _) = LENGTH_TABLE[usize::from(len)];
        self.freqs.lit[usize::from(sym)] += self.times;
        self.freqs.extra_bits += u64::from(extra) * u64::from(self.times);
        self.freqs.dist[usize::from(dist - 1)] += self.times;
    }
}

#[cfg(test)]
fn check_column<C>(rows: &[u32], codes: &[C], n_rows: usize) -> Result<(), RunsError> {
    if rows.len() != codes.len() {
        return Err(RunsError::LengthMismatch {
            rows: rows.len(),
            codes: codes.len(),
        });
    }
    for (position, &row) in rows.iter().enumerate() {
        if row as usize >= n_rows {
            return Err(RunsError::RowOutOfRange {
                position,
                row,
                n_rows,
            });
        }
        if let Some(&previous) = position.checked_sub(1).and_then(|p| rows.get(p)) {
            if previous >= row {
                return Err(RunsError::NotAscending {
                    position,
                    row,
                    previous,
                });
            }
        }
    }
    Ok(())
}

/// A validated sparse column.
struct Column<'a, C> {
    rows: &'a [u32],
    codes: &'a [C],
    fill: C,
    n_rows: u64,
    width: usize,
}

impl<C: Code> Column<'_, C> {
    fn bytes_of(&self, code: C) -> [u8; 2] {
        code.to_u16().to_le_bytes()
    }

    // `gather`, `emit` and `crc_of_runs` each walk the column in their own loop on purpose:
    // one shared walker (a closure or an iterator of (run, code) segments) kept the bit
    // writer's state out of registers and cost 30–60 % of the encoder's time (measured
    // 2026-12-06 with `benches/gzip_runs`: 30 % gene 209 → 275–348 µs).

    /// Pass 1: checks the rows (strictly ascending, below `n_rows`), counts the literals of
    /// the stored codes and of the runs too long for the table, and the tabled runs by length.
    fn gather(&self) -> Result<(Frequencies, RunLengths), RunsError> {
        let mut freqs = Frequencies::new();
        let mut runs = RunLengths {
            counts: vec![0; TABLED_RUNS],
        };
        let mut count_run = |freqs: &mut Frequencies, len: u64| {
            if let Some(count) = runs.counts.get_mut(len as usize) {
                *count += 1;
            } else {
                self.run(freqs, len);
            }
        };
        let mut next_row = 0u64;
        let mut previous: Option<u32> = None;
        for (position, (&row, &code)) in self.rows.iter().zip(self.codes).enumerate() {
            if u64::from(row) >= self.n_rows {
                return Err(RunsError::RowOutOfRange {
                    position,
                    row,
                    n_rows: self.n_rows as usize,
                });
            }
            if let Some(previous) = previous.filter(|&p| p >= row) {
                return Err(RunsError::NotAscending {
                    position,
                    row,
                    previous,
                });
            }
            previous = Some(row);
            if code == self.fill {
                continue; // joins the surrounding run
            }
            let row = u64::from(row);
            count_run(&mut freqs, row - next_row);
            for &b in &self.bytes_of(code)[..self.width] {
                freqs.lit[usize::from(b)] += 1;
            }
            next_row = row + 1;
        }
        count_run(&mut freqs, self.n_rows - next_row);
        runs.counts[0] = 0; // an empty run has no tokens
        runs.add_tokens(self, &mut freqs);
        Ok((freqs, runs))
    }

    /// Pass 2: writes the tokens of the dense payload, each run below [`TABLED_RUNS`] from
    /// `table` (see [`RunLengths::tabulate`]), joined with the stored code's literals into one
    /// write where the two fit in 56 bits (nearly always: one store per entry, not two).
    fn emit(&self, e: &mut Emitter<'_, BitWriter>, table: &[BitString]) {
        let literal = e.block.literal_table();
        let mut next_row = 0u64;
        for (&row, &code) in self.rows.iter().zip(self.codes) {
            if code == self.fill {
                continue;
            }
            let row = u64::from(row);
            let len = row - next_row;
            // The code's literals as one bit string (two bytes of at most 15 bits each).
            let (mut bits, mut count) = (0u64, 0u32);
            for &b in &self.bytes_of(code)[..self.width] {
                let entry = literal[usize::from(b)];
                bits |= u64::from(entry & 0xffff) << count;
                count += entry >> 16;
            }
            let tabled = table.get(len as usize).filter(|s| s.fits());
            if let Some((joined, n)) = tabled.and_then(|s| s.followed_by(bits, count)) {
                e.w.put_wide(joined, n);
            } else {
                self.write_run(e, tabled, len);
                e.w.put_wide(bits, count);
            }
            next_row = row + 1;
        }
        let len = self.n_rows - next_row;
        self.write_run(e, table.get(len as usize).filter(|s| s.fits()), len);
    }

    /// A run of `len` fill elements: its tabled bit string, or token by token.
    #[inline(always)]
    fn write_run(&self, e: &mut Emitter<'_, BitWriter>, tabled: Option<&BitString>, len: u64) {
        match tabled {
            Some(s) => e.w.put_string(*s),
            None => self.run(e, len),
        }
    }

    /// Emits the tokens of the dense payload, run by run (the reference for the tabled
    /// passes in tests).
    #[cfg(test)]
    fn walk(&self, sink: &mut impl Sink) {
        let mut next_row = 0u64;
        for (&row, &code) in self.rows.iter().zip(self.codes) {
            if code == self.fill {
                continue; // joins the surrounding run
            }
            let row = u64::from(row);
            self.run(sink, row - next_row);
            for &b in &self.bytes_of(code)[..self.width] {
                sink.literal(b);
            }
            next_row = row + 1;
        }
        self.run(sink, self.n_rows - next_row);
    }

    /// A run of `count` fill elements: the first as literals, the rest as matches at distance
    /// `width`, a tail shorter than 3 bytes as literals.
    fn run(&self, sink: &mut impl Sink, count: u64) {
        if count == 0 {
            return;
        }
        let fill = self.bytes_of(self.fill);
        let w = self.width as u64;
        for &b in &fill[..self.width] {
            sink.literal(b);
        }
        let mut rest = (count - 1) * w;
        let mut done = 0u64;
        while rest >= MIN_MATCH {
            let take = if rest <= MAX_MATCH {
                rest
            } else if rest - MAX_MATCH < MIN_MATCH {
                rest - MIN_MATCH
            } else {
                MAX_MATCH
            };
            sink.matched(take as u16, w as u16);
            rest -= take;
            done += take;
        }
        for i in 0..rest {
            sink.literal(fill[((done + i) % w) as usize]);
        }
    }

    /// CRC-32 and length of the dense payload, by whichever of [`Self::crc_of_runs`] and
    /// [`Self::crc_of_blocks`] costs less for this column's density (see
    /// [`DENSE_CRC_MAX_BYTES_PER_ENTRY`]): the cost is `O(min(nnz · log run, n))`.
    fn crc(&self) -> (u32, u64) {
        let dense_bytes = self.n_rows.saturating_mul(self.width as u64);
        let entries = self.rows.len() as u64 + 1;
        if dense_bytes <= DENSE_CRC_MAX_BYTES_PER_ENTRY.saturating_mul(entries) {
            self.crc_of_blocks()
        } else {
            self.crc_of_runs()
        }
    }

    /// CRC-32 of the dense payload rebuilt one block of [`DENSE_CRC_BLOCK_ROWS`] rows at a
    /// time (fill, then the stored codes of the block) and hashed with `crc32fast`.
    fn crc_of_blocks(&self) -> (u32, u64) {
        let fill = self.bytes_of(self.fill);
        let pattern = &fill[..self.width];
        let block_rows = DENSE_CRC_BLOCK_ROWS.min(self.n_rows as usize);
        let mut block = vec![0u8; block_rows * self.width];
        let mut hasher = crc32fast::Hasher::new();
        let mut k = 0;
        let mut start = 0u64;
        while start < self.n_rows {
            let end = (start + block_rows as u64).min(self.n_rows);
            let len = (end - start) as usize * self.width;
            let bytes = &mut block[..len];
            // Constant-width copies: a copy of `self.width` bytes would be a `memmove` call
            // per element (measured: 2/3 of a u16 column's encoding time).
            if self.width == 1 {
                bytes.fill(pattern[0]);
            } else {
                for pair in bytes.chunks_exact_mut(2) {
                    pair.copy_from_slice(&fill);
                }
            }
            while let (Some(&row), Some(&code)) = (self.rows.get(k), self.codes.get(k)) {
                if u64::from(row) >= end {
                    break;
                }
                let at = (u64::from(row) - start) as usize * self.width;
                let code = self.bytes_of(code);
                if self.width == 1 {
                    if let Some(slot) = bytes.get_mut(at) {
                        *slot = code[0];
                    }
                } else if let Some(slot) = bytes.get_mut(at..at + 2) {
                    slot.copy_from_slice(&code);
                }
                k += 1;
            }
            hasher.update(bytes);
            start = end;
        }
        (hasher.finalize(), self.n_rows * self.width as u64)
    }

    /// CRC-32 of the dense payload from the runs: each run of the fill in `O(log run)` table
    /// steps, without producing its bytes.
    fn crc_of_runs(&self) -> (u32, u64) {
        let fill = self.bytes_of(self.fill);
        let mut crc = RunCrc::new(&fill[..self.width]);
        let mut next_row = 0u64;
        for (&row, &code) in self.rows.iter().zip(self.codes) {
            let row = u64::from(row);
            crc.run(row - next_row);
            crc.bytes(&self.bytes_of(code)[..self.width]);
            next_row = row + 1;
        }
        crc.run(self.n_rows - next_row);
        crc.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Both CRC paths equal `crc32fast` over the dense bytes, for both code widths, at
    /// densities on both sides of the switch and with blocks split at every boundary.
    #[test]
    fn both_crc_paths_match_the_dense_crc() {
        fn check<C: Code>(n_rows: usize, step: usize, fill: C, code_of: impl Fn(usize) -> C) {
            let rows: Vec<u32> = (0..n_rows).step_by(step).map(|r| r as u32).collect();
            let codes: Vec<C> = (0..rows.len()).map(&code_of).collect();
            let column = Column {
                rows: &rows,
                codes: &codes,
                fill,
                n_rows: n_rows as u64,
                width: C::WIDTH.byte_width(),
            };
            let mut dense = vec![fill; n_rows];
            for (&r, &c) in rows.iter().zip(&codes) {
                dense[r as usize] = c;
            }
            let bytes = codes_to_le_bytes(&dense);
            let expected = (crc32fast::hash(&bytes), bytes.len() as u64);
            assert_eq!(column.crc_of_blocks(), expected, "blocks {n_rows} {step}");
            assert_eq!(column.crc_of_runs(), expected, "runs {n_rows} {step}");
            assert_eq!(column.crc(), expected, "chosen {n_rows} {step}");
        }
        for n_rows in [
            0,
            1,
            DENSE_CRC_BLOCK_ROWS - 1,
            DENSE_CRC_BLOCK_ROWS,
            100_003,
        ] {
            for step in [1, 3, 63, 64, 65, 1_000, 200_000] {
                check::<u8>(n_rows, step, 0, |k| (k % 251) as u8 + 1);
                check::<u8>(n_rows, step, 17, |k| (k % 7) as u8);
                check::<u16>(n_rows, step, 0, |k| (k * 7919 % 65_000) as u16 + 1);
                check::<u16>(n_rows, step, 0x1234, |k| k as u16);
            }
        }
    }

    /// A column of `n_rows` rows whose stored entries are every `step`-th row, with codes
    /// from `code_of`.
    fn column<C: Code>(
        n_rows: usize,
        step: usize,
        code_of: impl Fn(usize) -> C,
    ) -> SparseQuantized<C> {
        let rows: Vec<u32> = (0..n_rows).step_by(step).map(|r| r as u32).collect();
        let codes = (0..rows.len()).map(code_of).collect();
        SparseQuantized {
            bounds: cellucid_quant::Bounds { min: 0.0, max: 1.0 },
            fill_code: C::default(),
            n_rows,
            rows,
            codes,
        }
    }

    #[test]
    fn the_chooser_follows_density_richness_size_and_dominant_codes() {
        let rich = |k: usize| ((k * 37) % 200 + 1) as u8;
        let poor = |k: usize| (k % 5 + 1) as u8;
        let big = RICH_RUNS_ONLY_MIN_BYTES;
        let small = RICH_RUNS_ONLY_MIN_BYTES - 1;
        let cases: [(&str, SparseQuantized<u8>, EncoderChoice); 7] = [
            ("sparse", column(big, 11, poor), EncoderChoice::Runs),
            ("poor, 50 %", column(big, 2, poor), EncoderChoice::Smallest),
            (
                "rich, 33 %, small",
                column(small, 3, rich),
                EncoderChoice::Runs,
            ),
            (
                "rich, 100 %, big",
                column(big, 1, rich),
                EncoderChoice::Runs,
            ),
            (
                "rich, 100 %, small",
                column(small, 1, rich),
                EncoderChoice::Smallest,
            ),
            (
                "rich, 100 %, big, one code in 3 of 4 rows",
                column(big, 1, |k| if k % 4 == 0 { rich(k) } else { 7 }),
                EncoderChoice::Smallest,
            ),
            (
                "rich, 100 %, big, the fill code in 3 of 4 rows",
                column(big, 1, |k| if k % 4 == 0 { rich(k) } else { 0 }),
                EncoderChoice::Runs,
            ),
        ];
        for (name, col, expected) in cases {
            assert_eq!(choose_encoder(&col), expected, "{name}");
        }
        let wide = column::<u16>(big, 1, |k| (k % 3000) as u16);
        assert_eq!(choose_encoder(&wide), EncoderChoice::Smallest, "u16");
    }

    /// The encoder before run-length tables: two token walks over the column.
    fn encode_by_walking<C: Code>(
        rows: &[u32],
        codes: &[C],
        fill: C,
        n_rows: usize,
        level: u32,
    ) -> Result<Vec<u8>, RunsError> {
        check_column(rows, codes, n_rows)?;
        let column = Column {
            rows,
            codes,
            fill,
            n_rows: n_rows as u64,
            width: C::WIDTH.byte_width(),
        };
        let mut freqs = Frequencies::new();
        column.walk(&mut freqs);
        freqs.lit[END_OF_BLOCK] += 1;
        let (crc, len) = column.crc();
        let block = Block::plan(&freqs);
        let mut out = header_bytes(level).to_vec();
        let mut w = BitWriter::new(std::mem::take(&mut out));
        block.write_header(&mut w, true);
        let mut emitter = Emitter { w, block: &block };
        column.walk(&mut emitter);
        emitter.symbol(END_OF_BLOCK);
        let mut out = emitter.w.finish();
        out.extend_from_slice(&trailer_bytes(crc, len));
        Ok(out)
    }

    /// A random column: up to 5,000 rows, stored rows drawn with a random density (runs from
    /// 1 row to the whole column, on both sides of [`TABLED_RUNS`]), codes from a small or a
    /// wide alphabet, sometimes equal to the fill; sometimes unsorted or out of range.
    fn random_column(
        n_rows: usize,
        density: f64,
        seed: u64,
        alphabet: u16,
        fill: u16,
        damage: u8,
    ) -> (Vec<u32>, Vec<u16>) {
        use proptest::prelude::Rng;
        use proptest::test_runner::{RngAlgorithm, TestRng};
        let mut rng = TestRng::from_seed(RngAlgorithm::ChaCha, &[seed.to_le_bytes(); 4].concat());
        let mut next = move || rng.next_u64();
        let (mut rows, mut codes) = (Vec::new(), Vec::new());
        for r in 0..n_rows {
            if (next() % 10_000) as f64 / 10_000.0 < density {
                rows.push(r as u32);
                codes.push(if next() % 5 == 0 {
                    fill
                } else {
                    (next() % u64::from(alphabet)) as u16
                });
            }
        }
        if damage == 1 && rows.len() > 2 {
            rows.swap(0, 1);
        } else if let (2, Some(last)) = (damage, rows.last_mut()) {
            *last = n_rows as u32;
        }
        (rows, codes)
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(300))]
        /// The tabled passes write exactly the bytes of the token walks (same tokens, same
        /// Huffman codes), and refuse a damaged column with the same error.
        #[test]
        fn tabled_runs_write_the_same_member_as_walking(
            n_rows in 0usize..5_000,
            density_pick in 0usize..6,
            seed in proptest::prelude::any::<u64>(),
            wide in proptest::prelude::any::<bool>(),
            fill in 0u16..3,
            damage in 0u8..4,
        ) {
            let density = [0.0, 0.0005, 0.005, 0.05, 0.4, 0.97][density_pick];
            let alphabet = if wide { 254 } else { 4 };
            let (rows, codes) = random_column(n_rows, density, seed, alphabet, fill, damage);
            let codes8: Vec<u8> = codes.iter().map(|&c| c as u8).collect();
            proptest::prop_assert_eq!(
                encode_runs_member(&rows, &codes8, fill as u8, n_rows, 6),
                encode_by_walking(&rows, &codes8, fill as u8, n_rows, 6)
            );
            let codes16: Vec<u16> = codes.iter().map(|&c| c.wrapping_mul(257)).collect();
            proptest::prop_assert_eq!(
                encode_runs_member(&rows, &codes16, fill.wrapping_mul(257), n_rows, 9),
                encode_by_walking(&rows, &codes16, fill.wrapping_mul(257), n_rows, 9)
            );
        }
    }

    #[test]
    fn malformed_columns_are_refused() {
        assert_eq!(
            encode_runs_member(&[1, 1], &[3u8, 4], 0, 4, 6),
            Err(RunsError::NotAscending {
                position: 1,
                row: 1,
                previous: 1
            })
        );
        assert_eq!(
            encode_runs_member(&[4], &[3u8], 0, 4, 6),
            Err(RunsError::RowOutOfRange {
                position: 0,
                row: 4,
                n_rows: 4
            })
        );
        assert_eq!(
            encode_runs_member(&[1], &[3u8, 4], 0, 4, 6),
            Err(RunsError::LengthMismatch { rows: 1, codes: 2 })
        );
        assert_eq!(
            encode_runs_member::<u16>(&[], &[], 0, MAX_ROWS + 1, 6),
            Err(RunsError::TooManyRows {
                n_rows: MAX_ROWS + 1
            })
        );
    }
}
