package ai.hanzo.node.storage.internal;

import org.slf4j.LoggerFactory;

/** The process-wide settings Chronicle reads before it first runs. */
final class ChronicleEnvironment {
    static final String ANALYTICS_PROPERTY = "chronicle.analytics.disable";

    private ChronicleEnvironment() {}

    /**
     * Makes sure Chronicle's analytics are off (they phone home and write tracking files to the
     * home directory). The launcher sets the flag; if it did not, set it before any Chronicle class
     * initialises and say so.
     */
    static synchronized void prepare() {
        if (!"true".equals(System.getProperty(ANALYTICS_PROPERTY))) {
            System.setProperty(ANALYTICS_PROPERTY, "true");
            LoggerFactory.getLogger(ChronicleEnvironment.class)
                    .warn(
                            "-D{}=true was not set on the JVM; set it now. Add it to the launcher (bin/setenv).",
                            ANALYTICS_PROPERTY);
        }
    }
}
