#!/bin/sh
echo "chatmpi demo: not yet available"
