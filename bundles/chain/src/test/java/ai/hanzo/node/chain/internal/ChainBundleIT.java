package ai.hanzo.node.chain.internal;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.hanzo.node.api.Subscription;
import ai.hanzo.node.api.chain.StakingService;
import ai.hanzo.node.api.chain.TransactionResult;
import ai.hanzo.node.api.node.HealthReport;
import ai.hanzo.node.api.node.NodeInfo;
import ai.hanzo.node.api.node.NodeLifecycle;
import ai.hanzo.node.api.node.NodeScheduler;
import ai.hanzo.node.api.node.NodeState;
import ai.hanzo.node.api.node.NodeStateChange;
import ai.hanzo.node.api.p2p.PeerNetwork;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.util.tracker.ServiceTracker;

/**
 * The packaged bundle in plain Felix with SCR and Config Admin: it resolves with web3j embedded,
 * offers no StakingService until ai.hanzo.node.chain is configured, then registers, stakes on a
 * real anvil and reports the chain through the embedded web3j, and goes away with its
 * configuration.
 */
class ChainBundleIT {
    @Test
    void bundleActivatesOnlyWhenConfiguredAndStakesOnAnvil(@TempDir Path tmp) throws Exception {
        try (Anvil anvil = Anvil.start(7_790)) {
            ChainFixture chain = ChainFixture.deploy(anvil);
            ChainFixture.Keystore key =
                    ChainFixture.keystore(tmp.resolve("keys"), Anvil.OPERATOR_KEY);
            Map<String, String> props = new HashMap<>();
            props.put(Constants.FRAMEWORK_STORAGE, tmp.resolve("felix").toString());
            props.put(
                    Constants.FRAMEWORK_STORAGE_CLEAN,
                    Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT);
            // the test implements the node's services: the api comes from its class path
            String api;
            try (JarFile jar = new JarFile(System.getProperty("it.api"))) {
                api = jar.getManifest().getMainAttributes().getValue("Export-Package");
            }
            props.put(
                    Constants.FRAMEWORK_SYSTEMPACKAGES_EXTRA,
                    api + ",org.osgi.service.cm;version=1.6.1");
            props.put("ds.loglevel", "warn");
            Framework fw =
                    ServiceLoader.load(FrameworkFactory.class)
                            .iterator()
                            .next()
                            .newFramework(props);
            fw.start();
            ScheduledExecutorService timers = Executors.newScheduledThreadPool(2);
            try {
                BundleContext ctx = fw.getBundleContext();
                List<Bundle> bundles = new ArrayList<>();
                for (String path : System.getProperty("it.bundles").split(",")) {
                    bundles.add(ctx.installBundle(Path.of(path).toUri().toString()));
                }
                for (Bundle b : bundles) {
                    if (b.getHeaders().get(Constants.FRAGMENT_HOST) == null) {
                        b.start();
                    }
                }
                Bundle chainBundle = bundles.get(bundles.size() - 1);
                assertEquals(Bundle.ACTIVE, chainBundle.getState());
                assertEquals("ai.hanzo.node.chain", chainBundle.getSymbolicName());
                assertNull(
                        chainBundle.getHeaders().get(Constants.EXPORT_PACKAGE), "exports nothing");

                ctx.registerService(NodeLifecycle.class, new TestNode(tmp), null);
                ctx.registerService(NodeScheduler.class, new TestScheduler(timers), null);
                ServiceTracker<StakingService, StakingService> staking =
                        new ServiceTracker<>(ctx, StakingService.class, null);
                staking.open();
                ServiceTracker<ConfigurationAdmin, ConfigurationAdmin> cm =
                        new ServiceTracker<>(ctx, ConfigurationAdmin.class, null);
                cm.open();
                ConfigurationAdmin admin = cm.waitForService(20_000);
                assertTrue(admin != null, "Config Admin is running");
                assertNull(staking.getService(), "no chain client without chain configuration");

                Configuration config = admin.getConfiguration("ai.hanzo.node.chain", "?");
                Hashtable<String, Object> settings = new Hashtable<>();
                settings.put("profile", "local");
                settings.put("rpcUrl", anvil.url());
                settings.put("chainId", anvil.chainId());
                settings.put("contractAddress", chain.contract);
                settings.put("keystore", key.file().toString());
                settings.put("passwordFile", key.passwordFile().toString());
                settings.put("blockTimeMillis", 100L);
                settings.put("refreshSeconds", 1L);
                config.update(settings);

                StakingService service = staking.waitForService(20_000);
                assertTrue(service != null, "StakingService registered once configured");
                await().atMost(Duration.ofSeconds(20)).until(() -> service.chainStatus().synced());
                assertEquals(anvil.chainId(), service.chainStatus().chainId());
                // the peer id is part of the registration: without p2p it is a clear refusal
                ai.hanzo.node.api.FailedPreconditionException noPeer =
                        org.junit.jupiter.api.Assertions.assertThrows(
                                ai.hanzo.node.api.FailedPreconditionException.class,
                                () -> service.register(ChainFixture.ETHER));
                assertTrue(noPeer.getMessage().contains("peer id"), noPeer.getMessage());
                ctx.registerService(
                        PeerNetwork.class,
                        (PeerNetwork)
                                Proxy.newProxyInstance(
                                        PeerNetwork.class.getClassLoader(),
                                        new Class<?>[] {PeerNetwork.class},
                                        (proxy, method, args) ->
                                                switch (method.getName()) {
                                                    case "localPeerId" -> "12D3KooWFelixPeer";
                                                    case "hashCode" ->
                                                            System.identityHashCode(proxy);
                                                    case "equals" -> proxy == args[0];
                                                    case "toString" -> "test peer network";
                                                    default ->
                                                            throw new UnsupportedOperationException(
                                                                    method.getName());
                                                }),
                        null);
                TransactionResult result =
                        service.register(ChainFixture.ETHER).await(Duration.ofSeconds(30));
                assertTrue(service.peerStake("12D3KooWFelixPeer").orElseThrow().registered());
                assertTrue(result.gasUsed().signum() > 0);
                assertTrue(service.operatorStatus().registered());
                assertEquals(ChainFixture.ETHER, service.operatorStatus().stake());

                config.delete();
                await().atMost(Duration.ofSeconds(20)).until(() -> staking.getService() == null);
                staking.close();
                cm.close();
            } finally {
                fw.stop();
                fw.waitForStop(10_000);
                timers.shutdownNow();
                chain.web3j.shutdown();
            }
        }
    }

    /** The node as the component sees it: identity and network only. */
    private static final class TestNode implements NodeLifecycle {
        private final NodeInfo info;

        TestNode(Path tmp) {
            info = new NodeInfo("felix-node", "test", "hanzo-it", "", tmp, Instant.now());
        }

        @Override
        public NodeInfo info() {
            return info;
        }

        @Override
        public NodeState state() {
            return NodeState.READY;
        }

        @Override
        public Duration uptime() {
            return Duration.ZERO;
        }

        @Override
        public HealthReport health() {
            throw new UnsupportedOperationException();
        }

        @Override
        public void drain(String reason, Duration timeout) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Subscription onStateChange(Consumer<NodeStateChange> listener) {
            return () -> {};
        }
    }

    /** The node scheduler's contract on a plain executor. */
    private static final class TestScheduler implements NodeScheduler {
        private final ScheduledExecutorService timers;

        TestScheduler(ScheduledExecutorService timers) {
            this.timers = timers;
        }

        @Override
        public ScheduledFuture<?> schedule(String name, Runnable task, Duration delay) {
            return timers.schedule(task, delay.toMillis(), TimeUnit.MILLISECONDS);
        }

        @Override
        public ScheduledFuture<?> scheduleWithFixedDelay(
                String name, Runnable task, Duration initialDelay, Duration period) {
            return timers.scheduleWithFixedDelay(
                    task, initialDelay.toMillis(), period.toMillis(), TimeUnit.MILLISECONDS);
        }

        @Override
        public <T> CompletableFuture<T> submit(String name, Callable<T> task) {
            return CompletableFuture.supplyAsync(
                    () -> {
                        try {
                            return task.call();
                        } catch (Exception e) {
                            throw new java.util.concurrent.CompletionException(e);
                        }
                    },
                    timers);
        }

        @Override
        public <T> CompletableFuture<T> submit(String name, Callable<T> task, Duration timeout) {
            return submit(name, task).orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
        }
    }
}
