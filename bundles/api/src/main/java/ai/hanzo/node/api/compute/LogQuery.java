package ai.hanzo.node.api.compute;

import java.time.Instant;
import java.util.Optional;

/**
 * Which log lines of a deployment to read (wire message {@code GetLogsRequest}).
 *
 * @param deploymentId the deployment
 * @param service one service, or empty for all
 * @param tail how many of the latest lines per container, 0 for all
 * @param follow whether to keep streaming new lines
 * @param since only lines at or after this time, if given
 */
public record LogQuery(
        String deploymentId, String service, int tail, boolean follow, Optional<Instant> since) {}
