package ai.hanzo.node.rpc.internal;

import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns grpc-netty's per-connection failure reports (a connection that sends garbage logs a stack
 * trace at INFO on the {@code ...NettyServerTransport.connections} logger) into one debug line
 * each, so a hostile client cannot flood the node's log.
 */
final class ConnectionLog extends Handler {
    static final String LOGGER_NAME =
            "io.grpc.netty.shaded.io.grpc.netty.NettyServerTransport.connections";

    private final org.slf4j.Logger logger = LoggerFactory.getLogger(ConnectionLog.class);
    // java.util.logging keeps loggers weakly: hold it, or its settings are lost
    private final Logger connections = Logger.getLogger(LOGGER_NAME);
    private final Level previousLevel;
    private final boolean previousUseParent;

    ConnectionLog() {
        previousLevel = connections.getLevel();
        previousUseParent = connections.getUseParentHandlers();
        connections.setUseParentHandlers(false);
        connections.setLevel(logger.isDebugEnabled() ? Level.ALL : Level.OFF);
        connections.addHandler(this);
    }

    @Override
    public void publish(LogRecord record) {
        if (logger.isDebugEnabled()) {
            Throwable thrown = record.getThrown();
            logger.debug(
                    "gRPC connection closed: {}{}",
                    record.getMessage(),
                    thrown == null ? "" : ": " + thrown.getMessage());
        }
    }

    @Override
    public void flush() {}

    @Override
    public void close() {
        connections.removeHandler(this);
        connections.setLevel(previousLevel);
        connections.setUseParentHandlers(previousUseParent);
    }
}
