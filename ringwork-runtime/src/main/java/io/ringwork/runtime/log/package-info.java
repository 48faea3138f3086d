/**
 * The embedded log: a partitioned, replayable record log in a local directory, shared by the
 * node processes of one machine.
 *
 * <h2>Layout</h2>
 * <pre>
 *   log.meta                 format and partition count, fixed at creation
 *   log.lock                 serialises creating log.meta
 *   append.bell              one counter per partition, rung after each append (memory-mapped)
 *   checkpoints/&lt;group&gt;.ckpt consumer groups' checkpoints (atomic replace)
 *   p-000/partition.lock     the partition's process lock
 *   p-000/00000000000000000000.log    frames of offsets 0…, named by base offset
 *   p-000/00000000000000000000.index  sparse index: (relative offset, position) every indexIntervalBytes
 * </pre>
 * A frame is {@code length, crc32c(body), body(offset, timestampMs, key, type, id, data)}; see
 * {@link io.ringwork.runtime.log.FrameCodec}. A reader returns a frame only when its length is
 * plausible, its CRC matches, its offset is the next expected one and its fields add up.
 *
 * <h2>Appending</h2>
 * Callers queue their records per partition (bounded queues; a full one blocks). One caller at
 * a time per partition becomes the leader, drains the queue and commits it: it takes the
 * partition's process lock ({@code fcntl} on {@code partition.lock}), first catches up with
 * what other processes appended since it last looked (scanning their frames from its known end
 * into its next offset, index bookkeeping and dedupe window, and following their segment rolls),
 * then frames and writes the batch, rolls full segments, fsyncs under {@code ALWAYS}, and
 * unlocks. Offsets are therefore contiguous across all processes.
 *
 * <h2>Recovery</h2>
 * Writes only go to the end of the last segment, and a sealed segment is fsynced before the next
 * one is created. So an invalid frame in the last segment is either a torn tail — nothing valid
 * follows it, and the next writer under the lock (or the next open) truncates it — or damage in
 * place, recognised because valid frames with higher offsets follow it, which is reported as a
 * {@link io.ringwork.core.log.LogException} and never skipped. Opening a partition validates the
 * last segment from its last valid index entry on (frames before it are validated when read),
 * repairs that segment's index, and rebuilds the dedupe window from the last
 * {@code dedupeWindowIds} records.
 *
 * <h2>Reading</h2>
 * Readers read the files directly, so they see every process's appends; at the end of a segment
 * they follow the segment named by the next offset once it exists. A frame that is still being
 * written is simply not returned yet. A reader at the end waits in {@code awaitAppend}: this
 * process's appends wake it directly; another process's append rings the partition's counter
 * in {@code append.bell}, and one watcher thread per open log, looking at the counters every
 * {@code tailPollIntervalMs}, reads the rung partitions' new frames and wakes their waiters. The
 * watcher also reads every partition once a second, for appends that never rang.
 *
 * <h2>Retention</h2>
 * Whole sealed segments, oldest first, by size and age, never past the lowest checkpoint of any
 * group; lock-free, because sealed segments are immutable.
 */
package io.ringwork.runtime.log;
