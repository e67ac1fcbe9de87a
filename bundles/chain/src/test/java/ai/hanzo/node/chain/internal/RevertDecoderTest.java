package ai.hanzo.node.chain.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.math.BigInteger;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.datatypes.Function;
import org.web3j.abi.datatypes.Utf8String;
import org.web3j.abi.datatypes.generated.Uint256;
import org.web3j.abi.datatypes.generated.Uint64;

/** Revert data from the registry's ABI, Solidity's Error(string) and Panic(uint256). */
class RevertDecoderTest {
    private final RevertDecoder decoder = RevertDecoder.forRegistry();

    private static String encode(String name, org.web3j.abi.datatypes.Type<?>... args) {
        return FunctionEncoder.encode(new Function(name, List.of(args), List.of()));
    }

    @Test
    void customErrorsAreNamedWithTheirArguments() {
        assertEquals(
                "WithdrawalLocked(100, 42)",
                decoder.decode(
                        encode(
                                "WithdrawalLocked",
                                new Uint64(BigInteger.valueOf(100)),
                                new Uint64(BigInteger.valueOf(42)))));
        assertEquals(
                "NodeNotRegistered(\"node-1\")",
                decoder.decode(encode("NodeNotRegistered", new Utf8String("node-1"))));
    }

    @Test
    void solidityErrorsAndPanicsAreDecoded() {
        assertEquals("Error(\"nope\")", decoder.decode(encode("Error", new Utf8String("nope"))));
        assertEquals(
                "Panic(17)", decoder.decode(encode("Panic", new Uint256(BigInteger.valueOf(17)))));
    }

    @Test
    void emptyAndUnknownDataSayWhatTheyAre() {
        assertEquals("the contract reverted without a reason", decoder.decode("0x"));
        assertEquals("unknown error 0xdeadbeef with data 0xdeadbeef", decoder.decode("0xdeadbeef"));
    }
}
