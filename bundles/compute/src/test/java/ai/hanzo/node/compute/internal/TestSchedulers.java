package ai.hanzo.node.compute.internal;

import ai.hanzo.node.api.node.NodeScheduler;

/** Opens test schedulers for tests in other packages. */
public final class TestSchedulers {
    private TestSchedulers() {}

    /**
     * @return a new test scheduler
     */
    public static NodeScheduler create() {
        return new TestScheduler();
    }

    /**
     * @param scheduler one made by {@link #create()}
     */
    public static void close(NodeScheduler scheduler) {
        ((TestScheduler) scheduler).close();
    }
}
