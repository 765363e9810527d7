#!/bin/sh
# Build-time only (removed before the root is sealed): no service starts inside the chroot.
exit 101
