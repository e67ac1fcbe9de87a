package ai.hanzo.node.rpc.internal;

import io.grpc.stub.ServerCallStreamObserver;

/** The call handlers {@link StreamSender} and {@link BatchingStreamSender} both set up. */
final class SenderHandlers {
    private SenderHandlers() {}

    /**
     * Sets the call's cancel handler, which closes the sender under its monitor and wakes the
     * producers waiting on it, then runs {@code onCancel} outside the monitor (it releases the
     * producer's resources and may take locks of its own); and the ready handler.
     *
     * @param call the sender's call
     * @param sender the sender, whose monitor guards its buffer and wakes its producers
     * @param closeOnCancel marks the sender cancelled and closed and drops its buffer; runs holding
     *     the sender's monitor
     * @param onCancel run once when the client cancels or goes away
     * @param onReady run when the call can take more messages
     */
    static void install(
            ServerCallStreamObserver<?> call,
            Object sender,
            Runnable closeOnCancel,
            Runnable onCancel,
            Runnable onReady) {
        call.setOnCancelHandler(
                () -> {
                    synchronized (sender) {
                        closeOnCancel.run();
                        sender.notifyAll();
                    }
                    onCancel.run();
                });
        call.setOnReadyHandler(onReady);
    }
}
