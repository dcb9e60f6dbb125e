# Homing clusters need ASM 1.17.2.37 or later (B24).
mesh create --version 1.17.2.36
cluster create c1
cluster create c2
mesh add-cluster c1
mesh add-cluster c2
asm namespace create demo
! asm namespace set-homing demo --clusters c1
asm namespace list
