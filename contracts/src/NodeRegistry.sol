// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// @title Hanzo compute-node registry with native-token staking
/// @notice An operator registers a node (node id, libp2p peer id, endpoint, capabilities hash)
/// with a stake of at least `minStake`, may add stake, request unstake (the amount unbonds for
/// `unbondingDelay` seconds, then can be withdrawn), update its endpoint and capabilities, and
/// deregister (all stake starts unbonding). A slasher set by the owner can slash a share of a
/// node's stake, unbonding stake included, with a reason. Slashed funds stay in the contract until
/// the owner collects them.
contract NodeRegistry {
    struct Node {
        address operator;
        string peerId;
        string endpoint;
        bytes32 capabilitiesHash;
        uint256 stake;
        uint256 pendingWithdrawal;
        uint64 withdrawableAt;
        bool registered;
        bool slashed;
    }

    uint16 public constant BASIS_POINTS = 10_000;

    address public owner;
    address public slasher;
    uint256 public minStake;
    uint64 public unbondingDelay;
    uint256 public slashedFunds;

    mapping(bytes32 => Node) private nodes;
    mapping(bytes32 => bytes32) private nodeKeyByPeer;

    event NodeRegistered(
        string nodeId, address indexed operator, string peerId, string endpoint, bytes32 capabilitiesHash, uint256 stake
    );
    event StakeAdded(string nodeId, address indexed operator, uint256 amount, uint256 totalStake);
    event UnstakeRequested(
        string nodeId, address indexed operator, uint256 amount, uint256 remainingStake, uint64 withdrawableAt
    );
    event Withdrawn(string nodeId, address indexed operator, uint256 amount);
    event NodeUpdated(string nodeId, address indexed operator, string endpoint, bytes32 capabilitiesHash);
    event NodeDeregistered(string nodeId, address indexed operator, uint256 unbondingStake, uint64 withdrawableAt);
    event Slashed(string nodeId, address indexed operator, uint16 basisPoints, uint256 amount, string reason);
    event SlasherChanged(address indexed previousSlasher, address indexed newSlasher);
    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);
    event MinStakeChanged(uint256 previousMinStake, uint256 newMinStake);
    event UnbondingDelayChanged(uint64 previousDelay, uint64 newDelay);
    event SlashedFundsCollected(address indexed to, uint256 amount);

    error NotOwner(address caller);
    error NotSlasher(address caller);
    error NotNodeOperator(string nodeId, address caller);
    error NodeAlreadyRegistered(string nodeId);
    error NodeNotRegistered(string nodeId);
    error PeerIdTaken(string peerId);
    error EmptyField(string field);
    error StakeBelowMinimum(uint256 stake, uint256 minimum);
    error ZeroAmount();
    error InsufficientStake(uint256 requested, uint256 available);
    error NothingToWithdraw(string nodeId);
    error WithdrawalLocked(uint64 withdrawableAt, uint64 now_);
    error InvalidBasisPoints(uint16 basisPoints);
    error TransferFailed(address to, uint256 amount);
    error ZeroAddress();

    modifier onlyOwner() {
        if (msg.sender != owner) revert NotOwner(msg.sender);
        _;
    }

    constructor(uint256 minStake_, uint64 unbondingDelay_) {
        owner = msg.sender;
        slasher = msg.sender;
        minStake = minStake_;
        unbondingDelay = unbondingDelay_;
        emit OwnershipTransferred(address(0), msg.sender);
        emit SlasherChanged(address(0), msg.sender);
    }

    // ---------------------------------------------------------------- operator actions

    /// @notice Registers `nodeId` for the caller with `msg.value` as its stake.
    function register(string calldata nodeId, string calldata peerId, string calldata endpoint, bytes32 capabilitiesHash)
        external
        payable
    {
        if (bytes(nodeId).length == 0) revert EmptyField("nodeId");
        if (bytes(peerId).length == 0) revert EmptyField("peerId");
        bytes32 key = keccak256(bytes(nodeId));
        Node storage node = nodes[key];
        if (node.registered) revert NodeAlreadyRegistered(nodeId);
        // a deregistered node id can be registered again only by its previous operator
        if (node.operator != address(0) && node.operator != msg.sender) revert NotNodeOperator(nodeId, msg.sender);
        bytes32 peerKey = keccak256(bytes(peerId));
        bytes32 holder = nodeKeyByPeer[peerKey];
        if (holder != bytes32(0) && holder != key && nodes[holder].registered) revert PeerIdTaken(peerId);
        if (msg.value < minStake) revert StakeBelowMinimum(msg.value, minStake);
        if (bytes(node.peerId).length != 0) delete nodeKeyByPeer[keccak256(bytes(node.peerId))];

        node.operator = msg.sender;
        node.peerId = peerId;
        node.endpoint = endpoint;
        node.capabilitiesHash = capabilitiesHash;
        node.stake = msg.value;
        node.registered = true;
        node.slashed = false;
        nodeKeyByPeer[peerKey] = key;
        emit NodeRegistered(nodeId, msg.sender, peerId, endpoint, capabilitiesHash, msg.value);
    }

    /// @notice Adds `msg.value` to the stake of the caller's registered node.
    function addStake(string calldata nodeId) external payable {
        Node storage node = operated(nodeId);
        if (msg.value == 0) revert ZeroAmount();
        node.stake += msg.value;
        emit StakeAdded(nodeId, msg.sender, msg.value, node.stake);
    }

    /// @notice Moves `amount` from the stake to the unbonding balance; withdrawable after the delay.
    /// The remaining stake must stay at or above the minimum (deregister to leave entirely).
    function requestUnstake(string calldata nodeId, uint256 amount) external {
        Node storage node = operated(nodeId);
        if (amount == 0) revert ZeroAmount();
        if (amount > node.stake) revert InsufficientStake(amount, node.stake);
        uint256 remaining = node.stake - amount;
        if (remaining < minStake) revert StakeBelowMinimum(remaining, minStake);
        node.stake = remaining;
        node.pendingWithdrawal += amount;
        node.withdrawableAt = uint64(block.timestamp) + unbondingDelay;
        emit UnstakeRequested(nodeId, msg.sender, amount, remaining, node.withdrawableAt);
    }

    /// @notice Pays the unbonded balance to the operator once the unbonding delay has passed.
    function withdraw(string calldata nodeId) external {
        bytes32 key = keccak256(bytes(nodeId));
        Node storage node = nodes[key];
        if (node.operator != msg.sender) revert NotNodeOperator(nodeId, msg.sender);
        uint256 amount = node.pendingWithdrawal;
        if (amount == 0) revert NothingToWithdraw(nodeId);
        if (block.timestamp < node.withdrawableAt) revert WithdrawalLocked(node.withdrawableAt, uint64(block.timestamp));
        node.pendingWithdrawal = 0;
        node.withdrawableAt = 0;
        emit Withdrawn(nodeId, msg.sender, amount);
        (bool ok,) = payable(msg.sender).call{value: amount}("");
        if (!ok) revert TransferFailed(msg.sender, amount);
    }

    /// @notice Changes the endpoint and capabilities hash of the caller's registered node.
    function updateNode(string calldata nodeId, string calldata endpoint, bytes32 capabilitiesHash) external {
        Node storage node = operated(nodeId);
        node.endpoint = endpoint;
        node.capabilitiesHash = capabilitiesHash;
        emit NodeUpdated(nodeId, msg.sender, endpoint, capabilitiesHash);
    }

    /// @notice Deregisters the caller's node; its whole stake starts unbonding.
    function deregister(string calldata nodeId) external {
        Node storage node = operated(nodeId);
        uint256 amount = node.stake;
        node.stake = 0;
        node.pendingWithdrawal += amount;
        node.withdrawableAt = uint64(block.timestamp) + unbondingDelay;
        node.registered = false;
        emit NodeDeregistered(nodeId, msg.sender, amount, node.withdrawableAt);
    }

    // ---------------------------------------------------------------- slashing and ownership

    /// @notice Slashes `basisPoints` / 10000 of the node's stake and unbonding balance.
    function slash(string calldata nodeId, uint16 basisPoints, string calldata reason) external {
        if (msg.sender != slasher) revert NotSlasher(msg.sender);
        if (basisPoints == 0 || basisPoints > BASIS_POINTS) revert InvalidBasisPoints(basisPoints);
        Node storage node = nodes[keccak256(bytes(nodeId))];
        if (node.operator == address(0)) revert NodeNotRegistered(nodeId);
        uint256 fromStake = node.stake * basisPoints / BASIS_POINTS;
        uint256 fromPending = node.pendingWithdrawal * basisPoints / BASIS_POINTS;
        node.stake -= fromStake;
        node.pendingWithdrawal -= fromPending;
        node.slashed = true;
        slashedFunds += fromStake + fromPending;
        emit Slashed(nodeId, node.operator, basisPoints, fromStake + fromPending, reason);
    }

    function setSlasher(address newSlasher) external onlyOwner {
        emit SlasherChanged(slasher, newSlasher);
        slasher = newSlasher;
    }

    function transferOwnership(address newOwner) external onlyOwner {
        if (newOwner == address(0)) revert ZeroAddress();
        emit OwnershipTransferred(owner, newOwner);
        owner = newOwner;
    }

    function setMinStake(uint256 newMinStake) external onlyOwner {
        emit MinStakeChanged(minStake, newMinStake);
        minStake = newMinStake;
    }

    function setUnbondingDelay(uint64 newDelay) external onlyOwner {
        emit UnbondingDelayChanged(unbondingDelay, newDelay);
        unbondingDelay = newDelay;
    }

    function collectSlashedFunds(address payable to) external onlyOwner {
        if (to == address(0)) revert ZeroAddress();
        uint256 amount = slashedFunds;
        slashedFunds = 0;
        emit SlashedFundsCollected(to, amount);
        (bool ok,) = to.call{value: amount}("");
        if (!ok) revert TransferFailed(to, amount);
    }

    // ---------------------------------------------------------------- views

    /// @notice The record of `nodeId` (operator is the zero address when it was never registered).
    function getNode(string calldata nodeId)
        external
        view
        returns (
            address operator,
            string memory peerId,
            string memory endpoint,
            bytes32 capabilitiesHash,
            uint256 stake,
            uint256 pendingWithdrawal,
            uint64 withdrawableAt,
            bool registered,
            bool slashed
        )
    {
        Node storage n = nodes[keccak256(bytes(nodeId))];
        return (
            n.operator,
            n.peerId,
            n.endpoint,
            n.capabilitiesHash,
            n.stake,
            n.pendingWithdrawal,
            n.withdrawableAt,
            n.registered,
            n.slashed
        );
    }

    /// @notice The active stake of `nodeId`, in wei.
    function stakeOf(string calldata nodeId) external view returns (uint256) {
        return nodes[keccak256(bytes(nodeId))].stake;
    }

    /// @notice The node registered under `peerId`: its key (keccak256 of the node id), operator,
    /// stake, and flags. All zero when no node ever held that peer id.
    function nodeByPeerId(string calldata peerId)
        external
        view
        returns (bytes32 nodeKey, address operator, uint256 stake, bool registered, bool slashed)
    {
        bytes32 key = nodeKeyByPeer[keccak256(bytes(peerId))];
        if (key == bytes32(0)) return (bytes32(0), address(0), 0, false, false);
        Node storage n = nodes[key];
        return (key, n.operator, n.stake, n.registered, n.slashed);
    }

    function operated(string calldata nodeId) private view returns (Node storage node) {
        node = nodes[keccak256(bytes(nodeId))];
        if (!node.registered) revert NodeNotRegistered(nodeId);
        if (node.operator != msg.sender) revert NotNodeOperator(nodeId, msg.sender);
    }
}
