package ai.hanzo.node.api.runtime;

import java.time.Instant;
import java.util.Optional;

/**
 * Which lines of one container's log to read.
 *
 * @param tail how many of the latest lines, 0 for all
 * @param follow whether to keep streaming new lines until closed or the container stops
 * @param since only lines at or after this time, if given
 */
public record LogOptions(int tail, boolean follow, Optional<Instant> since) {}
