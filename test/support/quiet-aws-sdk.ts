// The pinned AWS SDK warns once per process that Node 20 support ends in 2027.
// We know (README: runtime), and the warning would bury real test output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
