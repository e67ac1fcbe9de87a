package ai.hanzo.node.pytorch.runtime.boot;

/**
 * The parent of the plug-in's runtime class loader: the node's api and slf4j from the bundles that
 * provide them, the JDK from the platform loader, nothing else. It is loaded by a plain class
 * loader of its own, never by the plug-in bundle, so the runtime holds no reference to the bundle.
 */
public final class RuntimeParent extends ClassLoader {
    private final ClassLoader api;
    private final ClassLoader logging;

    /**
     * @param api the class loader of the node's api bundle
     * @param logging the class loader that provides {@code org.slf4j}
     */
    public RuntimeParent(ClassLoader api, ClassLoader logging) {
        super("hanzo-pytorch-runtime-parent", ClassLoader.getPlatformClassLoader());
        this.api = api;
        this.logging = logging;
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
        if (name.startsWith("ai.hanzo.node.api.")) {
            return api.loadClass(name);
        }
        if (name.startsWith("org.slf4j.")) {
            return logging.loadClass(name);
        }
        return super.loadClass(name, resolve);
    }
}
