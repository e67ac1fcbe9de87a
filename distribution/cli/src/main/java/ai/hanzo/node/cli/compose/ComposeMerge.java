package ai.hanzo.node.cli.compose;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Merges a compose file given with a later {@code -f} into the earlier ones, as docker compose
 * does: mappings merge key by key and the later value wins; {@code command}, {@code entrypoint} and
 * a healthcheck's {@code test} are replaced whole; {@code environment} and {@code labels} merge by
 * name (list or map syntax); service {@code volumes} merge by their target path; {@code depends_on}
 * and service {@code networks} merge by name; other lists ({@code ports}, {@code env_file}, ...)
 * are appended without repeating an equal entry.
 */
final class ComposeMerge {
    private static final Set<String> REPLACED = Set.of("command", "entrypoint");
    private static final Set<String> BY_NAME = Set.of("environment", "labels");

    private ComposeMerge() {}

    /**
     * @param base the earlier files' top-level mapping, interpolated
     * @param override the later file's top-level mapping, interpolated
     * @return a new mapping; neither argument is changed
     */
    static Map<String, Object> merge(Map<String, Object> base, Map<String, Object> override) {
        return mergeMap(base, override, "");
    }

    private static Map<String, Object> mergeMap(
            Map<String, Object> base, Map<String, Object> override, String at) {
        Map<String, Object> out = new LinkedHashMap<>(base);
        for (Map.Entry<String, Object> e : override.entrySet()) {
            String key = e.getKey();
            String where = at.isEmpty() ? key : at + "." + key;
            Object before = out.get(key);
            out.put(
                    key,
                    before == null ? e.getValue() : mergeValue(before, e.getValue(), key, where));
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private static Object mergeValue(Object before, Object after, String key, String where) {
        boolean inService = where.startsWith("services.") && where.split("\\.").length == 3;
        if (after == null) {
            return before;
        }
        if (inService && REPLACED.contains(key)) {
            return after;
        }
        if (where.startsWith("services.") && where.endsWith(".healthcheck.test")) {
            return after;
        }
        if (inService && BY_NAME.contains(key)) {
            Map<String, Object> merged = new LinkedHashMap<>(namedEntries(before));
            merged.putAll(namedEntries(after));
            return merged;
        }
        if (inService
                && key.equals("volumes")
                && before instanceof List<?> b
                && after instanceof List<?> a) {
            return byTarget(b, a);
        }
        if (inService
                && (key.equals("depends_on") || key.equals("networks"))
                && (before instanceof List<?> || after instanceof List<?>)) {
            if (before instanceof List<?> b && after instanceof List<?> a) {
                return appendDistinct(b, a);
            }
            Map<String, Object> merged = new LinkedHashMap<>(asMapping(before, key));
            merged.putAll(asMapping(after, key));
            return merged;
        }
        if (before instanceof Map<?, ?> b && after instanceof Map<?, ?> a) {
            return mergeMap((Map<String, Object>) b, (Map<String, Object>) a, where);
        }
        if (before instanceof List<?> b && after instanceof List<?> a) {
            return appendDistinct(b, a);
        }
        return after;
    }

    // environment / labels: "K=V" list entries and map entries alike, keyed by name
    private static Map<String, Object> namedEntries(Object value) {
        Map<String, Object> out = new LinkedHashMap<>();
        if (value instanceof Map<?, ?> m) {
            m.forEach((k, v) -> out.put(String.valueOf(k), v));
        } else if (value instanceof List<?> l) {
            for (Object item : l) {
                String text = String.valueOf(item);
                int eq = text.indexOf('=');
                out.put(
                        eq < 0 ? text : text.substring(0, eq),
                        eq < 0 ? null : text.substring(eq + 1));
            }
        }
        return out;
    }

    // depends_on / networks in list form, as the mapping form says it
    private static Map<String, Object> asMapping(Object value, String key) {
        Map<String, Object> out = new LinkedHashMap<>();
        if (value instanceof Map<?, ?> m) {
            m.forEach((k, v) -> out.put(String.valueOf(k), v));
        } else if (value instanceof List<?> l) {
            for (Object item : l) {
                out.put(
                        String.valueOf(item),
                        key.equals("depends_on") ? Map.of("condition", "service_started") : null);
            }
        }
        return out;
    }

    private static List<Object> byTarget(List<?> before, List<?> after) {
        Map<String, Object> byTarget = new LinkedHashMap<>();
        List<Object> untargeted = new ArrayList<>();
        for (List<?> list : List.of(before, after)) {
            for (Object mount : list) {
                String target = target(mount);
                if (target == null) {
                    untargeted.add(mount);
                } else {
                    // a later mount at the same target takes the earlier one's place
                    byTarget.put(target, mount);
                }
            }
        }
        List<Object> out = new ArrayList<>(byTarget.values());
        out.addAll(untargeted);
        return out;
    }

    // short syntax [source:]target[:mode], or long syntax with target:
    private static String target(Object mount) {
        if (mount instanceof Map<?, ?> m) {
            Object target = m.get("target");
            return target == null ? null : String.valueOf(target);
        }
        String[] parts = String.valueOf(mount).split(":");
        return parts.length == 1 ? parts[0] : parts[1];
    }

    private static List<Object> appendDistinct(List<?> before, List<?> after) {
        List<Object> out = new ArrayList<>(before);
        for (Object item : after) {
            if (out.stream().noneMatch(existing -> Objects.equals(existing, item))) {
                out.add(item);
            }
        }
        return out;
    }
}
