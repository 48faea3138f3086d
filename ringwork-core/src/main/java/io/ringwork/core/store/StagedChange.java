package io.ringwork.core.store;

import io.ringwork.core.record.Change;

/**
 * A change written with its commit but not yet on the feed (see {@link StateStore#promote}).
 *
 * @param id    the partition's staging sequence: staging order, which is apply order
 */
public record StagedChange(long id, Stage stage, Change change) {}
