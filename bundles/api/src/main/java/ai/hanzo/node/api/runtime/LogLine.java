package ai.hanzo.node.api.runtime;

import java.time.Instant;

/**
 * One line a container wrote (wire message {@code LogEntry}).
 *
 * @param timestamp when it was written
 * @param containerId the container
 * @param service the deployment service, or empty when read from a runtime directly
 * @param stream which stream it was written to
 * @param message the line, without its line terminator
 */
public record LogLine(
        Instant timestamp, String containerId, String service, LogStream stream, String message) {
    /**
     * @param service the service the container belongs to
     * @return this line attributed to {@code service}
     */
    public LogLine withService(String service) {
        return new LogLine(timestamp, containerId, service, stream, message);
    }
}
