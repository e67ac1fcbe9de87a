package ai.hanzo.node.api.node;

import java.time.Instant;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * Implemented by bundles that hold work which must wind down before the node stops (running
 * deployments, in-flight inference, open streams). Register it as an OSGi service; when the node
 * drains (on SIGTERM, SIGINT or an operator's request) each participant is called once, in parallel
 * with the others, before the node moves to {@link NodeState#STOPPED}.
 */
@ConsumerType
public interface DrainParticipant {
    /**
     * @return what is being drained, for the log (for example "deployments")
     */
    String name();

    /**
     * Winds the participant's work down. New work is already refused by the node when this is
     * called. Return when done; work still running at {@code deadline} is abandoned by the node.
     *
     * @param deadline when the node stops waiting
     * @throws Exception if draining failed; the node logs it and goes on stopping
     */
    void drain(Instant deadline) throws Exception;
}
