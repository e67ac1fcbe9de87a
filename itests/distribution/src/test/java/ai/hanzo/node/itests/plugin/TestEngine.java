package ai.hanzo.node.itests.plugin;

import ai.hanzo.node.api.Availability;
import ai.hanzo.node.api.UnavailableException;
import ai.hanzo.node.api.inference.Device;
import ai.hanzo.node.api.inference.InferenceEngine;
import ai.hanzo.node.api.inference.LoadedModel;
import ai.hanzo.node.api.inference.ModelFormat;
import ai.hanzo.node.api.inference.ModelSource;
import java.util.Hashtable;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;

/**
 * The engine the test plugins register: it behaves as its plugin's self-test says (well, hanging,
 * answering null) and loads no models; copied into each test plugin's jar in that plugin's own
 * package tree, so every plugin has its own copy of this class.
 */
public final class TestEngine implements InferenceEngine {
    private final String name;
    private final Supplier<Availability> selfTest;

    /**
     * @param name engine name
     * @param selfTest what its self-test does
     */
    public TestEngine(String name, Supplier<Availability> selfTest) {
        this.name = name;
        this.selfTest = selfTest;
    }

    /**
     * @param context the plugin's context
     * @param engine the engine
     * @return its registration
     */
    public static ServiceRegistration<InferenceEngine> register(
            BundleContext context, TestEngine engine) {
        Hashtable<String, Object> properties = new Hashtable<>();
        properties.put(InferenceEngine.NAME_PROPERTY, engine.name);
        return context.registerService(InferenceEngine.class, engine, properties);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public List<Device> devices() {
        return List.of(Device.cpu());
    }

    @Override
    public Set<ModelFormat> formats() {
        return Set.of();
    }

    @Override
    public Availability selfTest() {
        return selfTest.get();
    }

    @Override
    public LoadedModel load(ModelSource source, Device device) {
        throw new UnavailableException("test engine " + name + " loads no models");
    }
}
