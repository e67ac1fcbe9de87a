package ai.hanzo.node.p2p.internal.transport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.crypto.AEADBadTagException;
import org.junit.jupiter.api.Test;

/** Conscrypt's and the JDK's ChaCha20-Poly1305 are interchangeable under Noise's nonce rules. */
class NoiseCipherStateTest {
    private final ChaChaPoly jdk = ChaChaPoly.jdk();
    // this build's platform (linux-x86_64) has Conscrypt's native library in the jar
    private final ChaChaPoly conscrypt = ChaChaPoly.select("conscrypt", ConscryptLoader::provider);
    private final byte[] key = bytes(32, 1);

    private static byte[] bytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void conscryptLoadsHere() {
        assertTrue(conscrypt.isConscrypt(), conscrypt.name());
        assertTrue(conscrypt.name().startsWith("Conscrypt 2.5.2"), conscrypt.name());
        assertFalse(jdk.isConscrypt());
    }

    @Test
    void sameCiphertextAndTagsWithAssociatedDataAndAdvancingNonces() throws Exception {
        NoiseCipherState a = new NoiseCipherState(key, conscrypt);
        NoiseCipherState b = new NoiseCipherState(key, jdk);
        NoiseCipherState openA = new NoiseCipherState(key, conscrypt);
        NoiseCipherState openB = new NoiseCipherState(key, jdk);
        for (int i = 0; i < 5; i++) {
            byte[] ad = bytes(32, 100 + i);
            byte[] msg = bytes(i * 1000 + 1, 200 + i);
            byte[] ca = a.encrypt(ad, msg);
            byte[] cb = b.encrypt(ad, msg);
            assertArrayEquals(cb, ca, "message " + i);
            // each decrypts what the other sealed
            assertArrayEquals(msg, openA.decrypt(ad, cb));
            assertArrayEquals(msg, openB.decrypt(ad, ca));
        }
    }

    @Test
    void nonceIsFourZeroBytesAndALittleEndianCounter() throws Exception {
        // encrypt at counter 0x0102 by skipping 0x0102 messages, compared with a fresh JDK Cipher
        NoiseCipherState c = new NoiseCipherState(key, conscrypt);
        for (int i = 0; i < 0x0102; i++) {
            c.encrypt(null, new byte[0]);
        }
        byte[] msg = bytes(100, 7);
        javax.crypto.Cipher ref = javax.crypto.Cipher.getInstance("ChaCha20-Poly1305");
        byte[] nonce = new byte[12];
        nonce[4] = 0x02;
        nonce[5] = 0x01;
        ref.init(
                javax.crypto.Cipher.ENCRYPT_MODE,
                new javax.crypto.spec.SecretKeySpec(key, "ChaCha20"),
                new javax.crypto.spec.IvParameterSpec(nonce));
        assertArrayEquals(ref.doFinal(msg), c.encrypt(null, msg));
    }

    @Test
    void inPlaceFramesMatchAcrossProvidersOnHeapAndDirectMemory() throws Exception {
        byte[] msg = bytes(NoiseHandler.MAX_PLAINTEXT, 3);
        byte[] reference = new NoiseCipherState(key, jdk).encrypt(null, msg);
        for (ChaChaPoly impl : new ChaChaPoly[] {conscrypt, jdk}) {
            for (boolean direct : new boolean[] {true, false}) {
                ByteBuf frame =
                        direct
                                ? PooledByteBufAllocator.DEFAULT.directBuffer(msg.length + 16)
                                : PooledByteBufAllocator.DEFAULT.heapBuffer(msg.length + 16);
                try {
                    frame.writeBytes(msg);
                    new NoiseCipherState(key, impl).encryptInPlace(frame, 0, msg.length);
                    frame.writerIndex(msg.length + 16);
                    assertArrayEquals(
                            reference,
                            ByteBufUtil.getBytes(frame),
                            impl + (direct ? " direct" : " heap"));
                    for (ChaChaPoly opener : new ChaChaPoly[] {conscrypt, jdk}) {
                        ByteBuf plain =
                                direct
                                        ? Unpooled.directBuffer(msg.length)
                                        : Unpooled.buffer(msg.length);
                        new NoiseCipherState(key, opener)
                                .decrypt(frame, 0, frame.readableBytes(), plain);
                        assertArrayEquals(
                                msg, ByteBufUtil.getBytes(plain), opener + " opening " + impl);
                        plain.release();
                    }
                } finally {
                    frame.release();
                }
            }
        }
    }

    @Test
    void aBadTagIsRejectedByBoth() {
        byte[] sealed = new NoiseCipherState(key, jdk).encrypt(null, bytes(64, 5));
        sealed[sealed.length - 1] ^= 1;
        for (ChaChaPoly impl : new ChaChaPoly[] {conscrypt, jdk}) {
            assertThrows(
                    AEADBadTagException.class,
                    () -> new NoiseCipherState(key, impl).decrypt(null, sealed),
                    impl.name());
            ByteBuf in = Unpooled.directBuffer(sealed.length).writeBytes(sealed);
            ByteBuf out = Unpooled.directBuffer(sealed.length);
            assertThrows(
                    AEADBadTagException.class,
                    () -> new NoiseCipherState(key, impl).decrypt(in, 0, sealed.length, out),
                    impl.name());
            in.release();
            out.release();
        }
    }

    @Test
    void fallsBackToTheJdkWhenConscryptCannotLoad() {
        ChaChaPoly c =
                ChaChaPoly.select(
                        "auto",
                        () -> {
                            throw new UnsatisfiedLinkError(
                                    "no conscrypt_openjdk_jni in java.library.path");
                        });
        assertFalse(c.isConscrypt());
        assertTrue(c.name().startsWith("the JDK"), c.name());
        ChaChaPoly missing =
                ChaChaPoly.select(
                        "conscrypt",
                        () -> {
                            throw new NoClassDefFoundError("org/conscrypt/Conscrypt");
                        });
        assertFalse(missing.isConscrypt());
        // the fallback works
        NoiseCipherState s = new NoiseCipherState(key, c);
        assertEquals(16, s.encrypt(null, new byte[0]).length);
    }

    @Test
    void jdkWhenAskedWithoutTouchingConscrypt() {
        AtomicBoolean asked = new AtomicBoolean();
        ChaChaPoly c =
                ChaChaPoly.select(
                        "jdk",
                        () -> {
                            asked.set(true);
                            return null;
                        });
        assertFalse(c.isConscrypt());
        assertFalse(asked.get());
    }
}
